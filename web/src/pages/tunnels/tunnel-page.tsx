import { useState } from 'react';
import { api, apiKey, messageOf, useApiMutation, useApiQuery } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, PageHeader, QueryTable, StatusBadge, useConfirm, when } from '../../ui';
import { connectionsPerEdge } from './connection-words';
import { PublicHostnames } from './public-hostnames';
import { TunnelConnectors } from './tunnel-connectors';
import { TunnelNameDialog } from './tunnel-name-dialog';
import { TunnelToken } from './tunnel-token';
import { TUNNEL_POLL_MS } from './tunnels-page';

/** One tunnel: status, connectors, public hostnames, routes, its token; rename, clean up, delete. */
export function TunnelPage({ params }: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id, tunnel_id: params.id ?? '' };
  const tunnel = useApiQuery(
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}',
    { path },
    { refetchInterval: TUNNEL_POLL_MS },
  );
  const routes = useApiQuery(
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/routes',
    { path },
    { refetchInterval: TUNNEL_POLL_MS * 5 },
  );
  // The list holds this tunnel's name and status too: a change here refreshes both.
  const change = useApiMutation([apiKey('/accounts/{account_id}/cfd_tunnel', path)]);
  const confirm = useConfirm();
  const [renaming, setRenaming] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const t = tunnel.data;

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
              <Button onClick={() => setRenaming(true)}>Rename</Button>
              <Button
                onClick={() =>
                  confirm.ask({
                    title: 'Clean up connections',
                    confirmLabel: 'Clean up',
                    body: (
                      <p>Every edge connection of this tunnel is closed. Connectors that still run connect again.</p>
                    ),
                    run: async () => {
                      const r = await change(() =>
                        api.del('/accounts/{account_id}/cfd_tunnel/{tunnel_id}/connections', { path }),
                      );
                      setNotice(
                        `Closed ${r.closed} connection${r.closed === 1 ? '' : 's'}. Running connectors register again.`,
                      );
                    },
                  })
                }
              >
                Clean up connections
              </Button>
              <Button
                variant="danger"
                onClick={() =>
                  confirm.ask({
                    title: `Delete ${t.name}`,
                    confirmLabel: 'Delete tunnel',
                    body: (
                      <p>
                        The tunnel stops serving its hostnames at once and its connectors are disconnected. Its DNS
                        routes stay until you delete them.
                      </p>
                    ),
                    run: async () => {
                      await change(() =>
                        api.del('/accounts/{account_id}/cfd_tunnel/{tunnel_id}', { path, query: { cascade: true } }),
                      );
                      navigate('/tunnels');
                    },
                  })
                }
              >
                Delete
              </Button>
            </>
          )
        }
      />
      {tunnel.error === null ? null : <Alert>{messageOf(tunnel.error)}</Alert>}
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
          <TunnelConnectors path={path} />
          {classicHost(t.name) === undefined ? (
            <PublicHostnames path={path} />
          ) : (
            <Alert kind="info">
              A classic tunnel for <strong>{classicHost(t.name)}</strong>, made by{' '}
              <code>warren tunnel --hostname {classicHost(t.name)}</code>: its connector serves what its command line
              says, so it has no public hostnames to edit here. Its DNS record is deleted 24 to 48 hours after its last
              connector disconnects, as cloudflared's classic tunnels are.
            </Alert>
          )}
          <section aria-labelledby="routes-heading">
            <h2 id="routes-heading">DNS routes</h2>
            <QueryTable
              query={routes}
              loading={null}
              caption="DNS routes"
              rowKey={(r) => r.record_id}
              empty={<p>No hostname is routed to this tunnel.</p>}
              columns={[
                { header: 'Hostname', cell: (r) => r.hostname },
                { header: 'Zone', cell: (r) => r.zone_name },
              ]}
            />
          </section>
          <TunnelToken path={path} />
        </>
      )}
      <TunnelNameDialog
        open={renaming}
        title="Rename tunnel"
        submitLabel="Rename"
        initial={t?.name ?? ''}
        onSave={async (name) => {
          await change(() => api.patch('/accounts/{account_id}/cfd_tunnel/{tunnel_id}', { path, body: { name } }));
          setRenaming(false);
        }}
        onClose={() => setRenaming(false)}
      />
      {confirm.dialog}
    </>
  );
}

/** The hostname of a classic tunnel (named `classic:<host>` by POST /zones/{z}/classic_tunnels), else undefined. */
function classicHost(name: string): string | undefined {
  return name.startsWith('classic:') ? name.slice('classic:'.length) : undefined;
}
