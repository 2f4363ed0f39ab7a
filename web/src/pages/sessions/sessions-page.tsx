import { useState } from 'react';
import { api, apiKey, type SessionRow, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useSession } from '../../session';
import { Alert, Button, PageHeader, QueryTable, RowActions, useConfirm, when } from '../../ui';

/** Where the user is signed in to the dashboard; revoke one, or every other one. */
export function SessionsPage(_: PageProps) {
  const { signOut } = useSession();
  const sessions = useApiQuery('/user/sessions', {});
  const change = useApiMutation([apiKey('/user/sessions')]);
  const confirm = useConfirm();
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const others = (sessions.data ?? []).filter((s) => !s.current).length;

  const revokeOthers = () =>
    confirm.ask({
      title: 'Sign out everywhere else',
      confirmLabel: 'Revoke',
      body: <p>Every other browser signed in as you must sign in again.</p>,
      run: async () => {
        const r = await change(() => api.del('/user/sessions', {}));
        setNotice(`Signed out ${r.revoked} other session${r.revoked === 1 ? '' : 's'}.`);
      },
    });
  const revoke = (s: SessionRow) =>
    confirm.ask({
      title: 'Revoke session',
      confirmLabel: 'Revoke',
      body: <p>That browser must sign in again.</p>,
      run: async () => {
        await change(() => api.del('/user/sessions/{session_id}', { path: { session_id: s.id } }));
        setNotice('The session was revoked.');
      },
    });

  return (
    <>
      <PageHeader
        title="Sessions"
        description="Where you are signed in to the dashboard. A session ends after 2 hours without use, and after 7 days in any case."
        actions={
          <Button variant="danger" disabled={others === 0} onClick={revokeOthers}>
            Sign out everywhere else
          </Button>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <QueryTable
        query={sessions}
        loading={null}
        caption="Dashboard sessions"
        rowKey={(s) => s.id}
        columns={[
          { header: 'Signed in', cell: (s) => <time dateTime={s.created_on}>{when(s.created_on)}</time> },
          { header: 'Last seen', cell: (s) => <time dateTime={s.last_seen_on}>{when(s.last_seen_on)}</time> },
          { header: 'From', cell: (s) => s.ip },
          { header: 'Browser', cell: (s) => <span className="muted">{s.user_agent || '—'}</span> },
          {
            header: 'Actions',
            cell: (s) =>
              s.current ? (
                <strong>This session</strong>
              ) : (
                <RowActions
                  actions={[{ label: 'Revoke', name: `Revoke the session from ${s.ip}`, onClick: () => revoke(s) }]}
                />
              ),
          },
        ]}
      />
      <p>
        <Button variant="link" onClick={() => void signOut().catch(() => undefined)}>
          Sign out of this session
        </Button>
      </p>
      {confirm.dialog}
    </>
  );
}
