import { Link } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, PageHeader, StatusBadge } from '../../ui';
import { useApi } from '../../use-api';
import type { Tunnel } from './tunnel-types';
import { TUNNEL_POLL_MS } from './tunnels-page';

/** One tunnel: status, connectors, routes, token, public hostnames. */
export function TunnelPage({ params }: PageProps) {
  const { account } = useAccount();
  const id = params.id ?? '';
  const tunnel = useApi<Tunnel>(`/accounts/${account.id}/cfd_tunnel/${encodeURIComponent(id)}`, {
    pollMs: TUNNEL_POLL_MS,
  });
  const t = tunnel.data;
  return (
    <>
      <PageHeader
        title={t === undefined ? 'Tunnel' : t.name}
        back={<Link to="/tunnels">← Tunnels</Link>}
        actions={t === undefined ? undefined : <StatusBadge status={t.status} />}
      />
      {tunnel.error === undefined ? null : <Alert>{String((tunnel.error as Error).message)}</Alert>}
      {t === undefined ? null : (
        <p>
          Tunnel ID <code>{t.id}</code>
        </p>
      )}
    </>
  );
}
