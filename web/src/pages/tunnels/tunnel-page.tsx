import { useState } from 'react';
import { ApiError, api, messageOf } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, Dialog, Field, PageHeader, StatusBadge, Table } from '../../ui';
import { useApi } from '../../use-api';
import { PublicHostnames } from './public-hostnames';
import { TunnelConnectors } from './tunnel-connectors';
import { TunnelToken } from './tunnel-token';
import { connectionsPerEdge, type Tunnel, when } from './tunnel-types';
import { TUNNEL_POLL_MS } from './tunnels-page';

interface TunnelRoute {
  hostname: string;
  zone_name: string;
  record_id: string;
}

/** One tunnel: status, connectors, public hostnames, routes, its token; rename, clean up, delete. */
export function TunnelPage({ params }: PageProps) {
  const { account } = useAccount();
  const id = encodeURIComponent(params.id ?? '');
  const base = `/accounts/${account.id}/cfd_tunnel/${id}`;
  const tunnel = useApi<Tunnel>(base, { pollMs: TUNNEL_POLL_MS });
  const routes = useApi<TunnelRoute[]>(`${base}/routes`, { pollMs: TUNNEL_POLL_MS * 5 });
  const [dialog, setDialog] = useState<'rename' | 'delete' | 'cleanup' | undefined>(undefined);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const t = tunnel.data;

  const rename = async () => {
    setNameError(undefined);
    try {
      await api.patch(base, { name });
    } catch (err) {
      const field = err instanceof ApiError ? err.forField('name') : undefined;
      if (field === undefined) throw err;
      setNameError(field);
      return;
    }
    setDialog(undefined);
    tunnel.reload();
  };

  return (
    <>
      <PageHeader
        title={t === undefined ? 'Tunnel' : t.name}
        back={<Link to="/tunnels">← Tunnels</Link>}
        actions={
          t === undefined ? undefined : (
            <>
              <span aria-live="polite">
                <StatusBadge status={t.status} />
              </span>
              <Button
                onClick={() => {
                  setName(t.name);
                  setNameError(undefined);
                  setDialog('rename');
                }}
              >
                Rename
              </Button>
              <Button onClick={() => setDialog('cleanup')}>Clean up connections</Button>
              <Button variant="danger" onClick={() => setDialog('delete')}>
                Delete
              </Button>
            </>
          )
        }
      />
      {tunnel.error === undefined ? null : <Alert>{messageOf(tunnel.error)}</Alert>}
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {t === undefined ? null : (
        <>
          <section className="card" aria-label="Overview">
            <dl className="facts">
              <dt>Tunnel ID</dt>
              <dd>
                <code>{t.id}</code>
              </dd>
              <dt>Status</dt>
              <dd>{t.status}</dd>
              <dt>Connections</dt>
              <dd>{connectionsPerEdge(t.connections)}</dd>
              <dt>Configuration</dt>
              <dd>{t.config_src === 'cloudflare' ? 'managed here (public hostnames below)' : 'local config file'}</dd>
              <dt>Created</dt>
              <dd>
                <time dateTime={t.created_at}>{when(t.created_at)}</time>
              </dd>
            </dl>
          </section>
          <TunnelConnectors accountId={account.id} tunnelId={id} />
          <PublicHostnames accountId={account.id} tunnelId={id} />
          <section aria-labelledby="routes-heading">
            <h2 id="routes-heading">DNS routes</h2>
            {routes.error === undefined ? null : <Alert>{messageOf(routes.error)}</Alert>}
            {routes.data === undefined ? null : (
              <Table
                caption="DNS routes"
                rows={routes.data}
                rowKey={(r) => r.record_id}
                empty={<p>No hostname is routed to this tunnel.</p>}
                columns={[
                  { header: 'Hostname', cell: (r) => r.hostname },
                  { header: 'Zone', cell: (r) => r.zone_name },
                ]}
              />
            )}
          </section>
          <TunnelToken accountId={account.id} tunnelId={id} />
        </>
      )}
      <Dialog
        open={dialog === 'rename'}
        title="Rename tunnel"
        submitLabel="Rename"
        onSubmit={rename}
        onClose={() => setDialog(undefined)}
      >
        <Field
          label="Name"
          name="name"
          required
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError}
        />
      </Dialog>
      <ConfirmDialog
        open={dialog === 'cleanup'}
        title="Clean up connections"
        confirmLabel="Clean up"
        onConfirm={async () => {
          const r = await api.del<{ closed: number }>(`${base}/connections`);
          setNotice(`Closed ${r.closed} connection${r.closed === 1 ? '' : 's'}. Running connectors register again.`);
          tunnel.reload();
        }}
        onClose={() => setDialog(undefined)}
      >
        <p>Every edge connection of this tunnel is closed. Connectors that still run connect again.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${t?.name ?? 'tunnel'}`}
        confirmLabel="Delete tunnel"
        onConfirm={async () => {
          await api.del(`${base}?cascade=true`);
          navigate('/tunnels');
        }}
        onClose={() => setDialog(undefined)}
      >
        <p>
          The tunnel stops serving its hostnames at once and its connectors are disconnected. Its DNS routes stay until
          you delete them.
        </p>
      </ConfirmDialog>
    </>
  );
}
