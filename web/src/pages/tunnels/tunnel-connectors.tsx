import { messageOf } from '../../api';
import { Alert, Table } from '../../ui';
import { useApi } from '../../use-api';
import { type Connector, connectionsPerEdge, when } from './tunnel-types';
import { TUNNEL_POLL_MS } from './tunnels-page';

/** The tunnel's connectors (replicas), live. */
export function TunnelConnectors({ accountId, tunnelId }: { accountId: string; tunnelId: string }) {
  const connectors = useApi<Connector[]>(`/accounts/${accountId}/cfd_tunnel/${tunnelId}/connections`, {
    pollMs: TUNNEL_POLL_MS,
  });
  return (
    <section aria-labelledby="connectors-heading">
      <h2 id="connectors-heading">Connectors</h2>
      {connectors.error === undefined ? null : <Alert>{messageOf(connectors.error)}</Alert>}
      {connectors.data === undefined ? null : (
        <Table
          caption="Connectors"
          rows={connectors.data}
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
      )}
    </section>
  );
}
