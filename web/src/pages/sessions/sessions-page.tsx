import { useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useSession } from '../../session';
import { Alert, Button, ConfirmDialog, PageHeader, Table } from '../../ui';
import { useApi } from '../../use-api';
import { when } from '../tunnels/tunnel-types';

interface SessionRow {
  id: string;
  created_on: string;
  last_seen_on: string;
  expires_on: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

/** Where the user is signed in to the dashboard; revoke one, or every other one. */
export function SessionsPage(_: PageProps) {
  const { signOut } = useSession();
  const sessions = useApi<SessionRow[]>('/user/sessions');
  const [revoking, setRevoking] = useState<SessionRow | 'others' | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const others = (sessions.data ?? []).filter((s) => !s.current).length;
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Where you are signed in to the dashboard. A session ends after 2 hours without use, and after 7 days in any case."
        actions={
          <Button variant="danger" disabled={others === 0} onClick={() => setRevoking('others')}>
            Sign out everywhere else
          </Button>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {sessions.error === undefined ? null : <Alert>{messageOf(sessions.error)}</Alert>}
      {sessions.data === undefined ? null : (
        <Table
          caption="Dashboard sessions"
          rows={sessions.data}
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
                  <Button aria-label={`Revoke the session from ${s.ip}`} onClick={() => setRevoking(s)}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title={revoking === 'others' ? 'Sign out everywhere else' : 'Revoke session'}
        confirmLabel="Revoke"
        onConfirm={async () => {
          if (revoking === 'others') {
            const r = await api.del<{ revoked: number }>('/user/sessions');
            setNotice(`Signed out ${r.revoked} other session${r.revoked === 1 ? '' : 's'}.`);
          } else if (revoking !== undefined) {
            await api.del(`/user/sessions/${revoking.id}`);
            setNotice('The session was revoked.');
          }
          sessions.reload();
        }}
        onClose={() => setRevoking(undefined)}
      >
        <p>
          {revoking === 'others'
            ? 'Every other browser signed in as you must sign in again.'
            : 'That browser must sign in again.'}
        </p>
      </ConfirmDialog>
      <p>
        <Button variant="link" onClick={() => void signOut().catch(() => undefined)}>
          Sign out of this session
        </Button>
      </p>
    </>
  );
}
