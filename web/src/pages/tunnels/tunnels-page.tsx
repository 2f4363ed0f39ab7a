import { useState } from 'react';
import { ApiError, api } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, Dialog, Field, PageHeader, StatusBadge, Table } from '../../ui';
import { useApi } from '../../use-api';
import { connectionsPerEdge, connectorVersions, type Tunnel, when } from './tunnel-types';

/** Live status: the list is asked again this often (the issue allows at most 2 s). */
export const TUNNEL_POLL_MS = 2000;

/** The account's tunnels with live status, connections per edge and connector versions. */
export function TunnelsPage(_: PageProps) {
  const { account } = useAccount();
  const tunnels = useApi<Tunnel[]>(`/accounts/${account.id}/cfd_tunnel?is_deleted=false&per_page=100`, {
    pollMs: TUNNEL_POLL_MS,
  });
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>(undefined);

  const create = async () => {
    setNameError(undefined);
    try {
      const t = await api.post<Tunnel>(`/accounts/${account.id}/cfd_tunnel`, { name, config_src: 'cloudflare' });
      setCreating(false);
      navigate(`/tunnels/${t.id}`);
    } catch (err) {
      const field = err instanceof ApiError ? err.forField('name') : undefined;
      if (field === undefined) throw err;
      setNameError(field);
    }
  };

  return (
    <>
      <PageHeader
        title="Tunnels"
        description="Each tunnel connects an app behind NAT to warren's edge; its connectors dial out."
        actions={
          <Button
            variant="primary"
            onClick={() => {
              setName('');
              setNameError(undefined);
              setCreating(true);
            }}
          >
            Create a tunnel
          </Button>
        }
      />
      {tunnels.error === undefined ? null : <Alert>{String((tunnels.error as Error).message)}</Alert>}
      {tunnels.data === undefined ? (
        tunnels.error === undefined ? (
          <p>Loading…</p>
        ) : null
      ) : (
        <Table
          caption="Tunnels"
          rows={tunnels.data}
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
      )}
      <Dialog
        open={creating}
        title="Create a tunnel"
        submitLabel="Create"
        onSubmit={create}
        onClose={() => setCreating(false)}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={100}
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError}
          hint="Letters, digits, dots, dashes and underscores, e.g. web-app."
        />
      </Dialog>
    </>
  );
}
