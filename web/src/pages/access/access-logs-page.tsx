import { ApiError, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, PageHeader, QueryTable } from '../../ui';

/** Who was let into (or kept out of) which application, when the server records it. */
export function AccessLogsPage(_: PageProps) {
  const { account } = useAccount();
  const logs = useApiQuery('/accounts/{account_id}/access/logs/access_requests', {
    path: { account_id: account.id },
    query: { limit: 100, direction: 'desc' },
  });
  // A server without the request log answers 404: show an empty state, not an error.
  const missing = logs.error instanceof ApiError && logs.error.status === 404;
  return (
    <>
      <PageHeader title="Access requests" description="Logins and service-token checks at your Access applications." />
      {missing ? (
        <Alert kind="info">This warren does not record Access requests yet.</Alert>
      ) : (
        <QueryTable
          query={logs}
          caption="Access requests"
          rowKey={(r) => `${r.created_at}${r.ray_id ?? ''}${r.user_email ?? ''}${r.app_uid ?? ''}`}
          empty={<p>No Access request yet.</p>}
          columns={[
            {
              header: 'When',
              cell: (r) => <time dateTime={r.created_at}>{new Date(r.created_at).toLocaleString()}</time>,
            },
            { header: 'Who', cell: (r) => r.user_email ?? '' },
            { header: 'Application', cell: (r) => r.app_domain ?? '' },
            {
              header: 'Result',
              cell: (r) => (r.allowed === true ? 'Allowed' : 'Blocked'),
            },
            { header: 'How', cell: (r) => r.action ?? r.connection ?? '' },
            { header: 'IP', cell: (r) => r.ip_address ?? '' },
          ]}
        />
      )}
    </>
  );
}
