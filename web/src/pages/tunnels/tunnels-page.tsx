import { useState } from 'react';
import { api, apiKey, useApiMutation, useApiQuery } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { PageHeader, QueryTable, StatusBadge, when } from '../../ui';
import { connectionsPerEdge, connectorVersions } from './connection-words';
import { TunnelNameDialog } from './tunnel-name-dialog';

/** Live status: the list is asked again this often (the issue allows at most 2 s). */
export const TUNNEL_POLL_MS = 2000;

/** The account's tunnels with live status, connections per edge and connector versions. */
export function TunnelsPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const tunnels = useApiQuery(
    '/accounts/{account_id}/cfd_tunnel',
    { path, query: { is_deleted: false, per_page: 100 } },
    { refetchInterval: TUNNEL_POLL_MS },
  );
  const change = useApiMutation([apiKey('/accounts/{account_id}/cfd_tunnel', path)]);
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeader
        title="Tunnels"
        description="Each tunnel connects an app behind NAT to warren's edge; its connectors dial out."
        primary={{ label: 'Create a tunnel', onClick: () => setCreating(true) }}
      />
      <QueryTable
        query={tunnels}
        caption="Tunnels"
        rowKey={(t) => t.id}
        empty={<p>No tunnel yet. Create one, then run its connector next to your app.</p>}
        columns={[
          { header: 'Name', cell: (t) => <Link to={`/tunnels/${t.id}`}>{t.name}</Link> },
          { header: 'Status', cell: (t) => <StatusBadge status={t.status} /> },
          { header: 'Connections', cell: (t) => connectionsPerEdge(t.connections) },
          { header: 'Connector versions', cell: (t) => connectorVersions(t.connections) },
          { header: 'Created', cell: (t) => <time dateTime={t.created_at}>{when(t.created_at)}</time> },
        ]}
      />
      <TunnelNameDialog
        open={creating}
        title="Create a tunnel"
        submitLabel="Create"
        initial=""
        onSave={async (name) => {
          const t = await change(() =>
            api.post('/accounts/{account_id}/cfd_tunnel', { path, body: { name, config_src: 'cloudflare' } }),
          );
          setCreating(false);
          navigate(`/tunnels/${t.id}`);
        }}
        onClose={() => setCreating(false)}
      />
    </>
  );
}
