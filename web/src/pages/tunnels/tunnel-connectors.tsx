import { useApiQuery } from '../../api';
import { QueryTable, when } from '../../ui';
import { connectionsPerEdge } from './connection-words';
import { TUNNEL_POLL_MS } from './tunnels-page';

/** The tunnel's connectors (replicas), live. */
export function TunnelConnectors({ path }: { path: { account_id: string; tunnel_id: string } }) {
  const connectors = useApiQuery(
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/connections',
    { path },
    { refetchInterval: TUNNEL_POLL_MS },
  );
  return (
    <section aria-labelledby="connectors-heading">
      <h2 id="connectors-heading">Connectors</h2>
      <QueryTable
        query={connectors}
        loading={null}
        caption="Connectors"
        rowKey={(c) => c.id}
        empty={<p>No connector is running. Reveal the token below and run the command next to your app.</p>}
        columns={[
          { header: 'Connector ID', cell: (c) => <code>{c.id}</code> },
          { header: 'Version', cell: (c) => c.version },
          { header: 'Architecture', cell: (c) => c.arch },
          { header: 'Origin IP', cell: (c) => [...new Set(c.conns.map((x) => x.origin_ip))].join(', ') || '—' },
          { header: 'Edges', cell: (c) => connectionsPerEdge(c.conns) },
          { header: 'Connected since', cell: (c) => <time dateTime={c.run_at}>{when(c.run_at)}</time> },
        ]}
      />
    </section>
  );
}
