import { useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import {
  Alert,
  Button,
  ConfirmDialog,
  Dialog,
  Field,
  PageHeader,
  Pager,
  SelectField,
  StatusBadge,
  Table,
} from '../../ui';
import { useApi } from '../../use-api';
import { usePagedApi } from '../../use-paged-api';
import type { Member, Role } from './members-types';
import { ShownOnce } from './shown-once';

/** The API's cap on `per_page` for members. */
const PER_PAGE = 50;

/** Members and service users of the account: invite, change roles, remove, create a service user. */
export function MembersPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}`;
  const members = usePagedApi<Member>(`${base}/members`, PER_PAGE);
  const roles = useApi<Role[]>(`${base}/roles`);
  const roleOptions = (roles.data ?? []).map((r) => [r.id, r.name] as const);
  const [dialog, setDialog] = useState<'invite' | 'service' | undefined>(undefined);
  const [email, setEmail] = useState('');
  const [roleId, setRoleId] = useState('');
  const [editing, setEditing] = useState<Member | undefined>(undefined);
  const [removing, setRemoving] = useState<Member | undefined>(undefined);
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const chosenRole = roleId === '' ? (roles.data?.[0]?.id ?? '') : roleId;

  const open = (which: 'invite' | 'service') => {
    setEmail('');
    setRoleId('');
    setDialog(which);
  };

  return (
    <>
      <PageHeader
        title="Members"
        description="People and service users of this account, with their roles."
        actions={
          <>
            <Button variant="primary" onClick={() => open('invite')}>
              Invite a member
            </Button>
            <Button onClick={() => open('service')}>Create a service user</Button>
          </>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {secret === undefined ? null : (
        <ShownOnce title={`API token of ${secret.name}`} value={secret.value} onDone={() => setSecret(undefined)} />
      )}
      {members.error === undefined ? null : <Alert>{messageOf(members.error)}</Alert>}
      {members.rows === undefined ? (
        <p>Loading…</p>
      ) : (
        <>
          <Table
            caption="Members"
            rows={members.rows}
            rowKey={(m) => m.id}
            columns={[
              { header: 'Member', cell: (m) => m.user.email },
              {
                header: 'Kind',
                cell: (m) => (m.user.service_user ? 'Service user' : 'Person'),
              },
              {
                header: 'Roles',
                cell: (m) => m.roles.map((r) => r.name).join(', '),
              },
              {
                header: 'Status',
                cell: (m) =>
                  m.status === 'accepted' ? (
                    <StatusBadge status="active" label="Accepted" />
                  ) : (
                    <StatusBadge status="pending" label="Invited" />
                  ),
              },
              {
                header: 'Actions',
                cell: (m) => (
                  <>
                    <Button
                      variant="link"
                      onClick={() => {
                        setRoleId(m.roles[0]?.id ?? '');
                        setEditing(m);
                      }}
                      aria-label={`Change role of ${m.user.email}`}
                    >
                      Change role
                    </Button>{' '}
                    <Button variant="link" onClick={() => setRemoving(m)} aria-label={`Remove ${m.user.email}`}>
                      Remove
                    </Button>
                  </>
                ),
              },
            ]}
          />
          <Pager
            page={members.page}
            pages={members.pages}
            total={members.total}
            noun="members"
            onPage={members.setPage}
          />
        </>
      )}
      <Dialog
        open={dialog !== undefined}
        title={dialog === 'service' ? 'Create a service user' : 'Invite a member'}
        submitLabel={dialog === 'service' ? 'Create' : 'Invite'}
        onSubmit={async () => {
          if (dialog === 'service') {
            const out = await api.post<Member & { token: { value: string } }>(`${base}/service_users`, {
              name: email.trim(),
              roles: [chosenRole],
            });
            setSecret({ name: out.user.email, value: out.token.value });
          } else {
            await api.post(`${base}/members`, {
              email: email.trim(),
              roles: [chosenRole],
            });
            setNotice(`Invited ${email.trim()}: they join once they accept.`);
          }
          setDialog(undefined);
          members.reload();
        }}
        onClose={() => setDialog(undefined)}
      >
        <Field
          label={dialog === 'service' ? 'Name' : 'E-mail'}
          type={dialog === 'service' ? 'text' : 'email'}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          hint={dialog === 'service' ? 'Lowercase letters, digits and dashes, e.g. ci-deploy' : undefined}
          autoComplete="off"
        />
        <SelectField
          label="Role"
          value={chosenRole}
          onChange={(e) => setRoleId(e.target.value)}
          options={roleOptions}
        />
      </Dialog>
      <Dialog
        open={editing !== undefined}
        title={`Change the role of ${editing?.user.email ?? ''}`}
        submitLabel="Change role"
        onSubmit={async () => {
          if (editing === undefined) return;
          await api.put(`${base}/members/${editing.id}`, {
            roles: [chosenRole],
          });
          setNotice(`Changed the role of ${editing.user.email}.`);
          setEditing(undefined);
          members.reload();
        }}
        onClose={() => setEditing(undefined)}
      >
        <Alert kind="info">
          Changing roles rolls this member's API key: scripts using their old key stop working until given the new one.
        </Alert>
        <SelectField
          label="Role"
          value={chosenRole}
          onChange={(e) => setRoleId(e.target.value)}
          options={roleOptions}
        />
      </Dialog>
      <ConfirmDialog
        open={removing !== undefined}
        title="Remove this member?"
        confirmLabel="Remove"
        onConfirm={async () => {
          if (removing === undefined) return;
          await api.del(`${base}/members/${removing.id}`);
          setNotice(`Removed ${removing.user.email}.`);
          members.reload();
        }}
        onClose={() => setRemoving(undefined)}
      >
        <p>
          <strong>{removing?.user.email}</strong> loses access to this account at once.
        </p>
      </ConfirmDialog>
    </>
  );
}
