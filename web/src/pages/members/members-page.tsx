import { useState } from 'react';
import { api, apiKey, type Member, useApiMutation, useApiPage, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, CopyButton, PagedTable, PageHeader, ShownOnce, StatusBadge, useConfirm } from '../../ui';
import { MemberDialog } from './member-dialog';

/** A pending invitation past its 7 days (the API still lists it; it can no longer be accepted). */
function inviteExpired(m: Member): boolean {
  return m.invitation_expires_on !== undefined && Date.parse(m.invitation_expires_on) <= Date.now();
}

/** The date part of an ISO time, e.g. 2026-12-14. */
function day(iso: string | undefined): string {
  return iso === undefined ? '' : iso.slice(0, 10);
}

/** The API's cap on `per_page` for members. */
const PER_PAGE = 50;

/** Members and service users of the account: invite, change roles, remove, create a service user. */
export function MembersPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const members = useApiPage('/accounts/{account_id}/members', { path }, PER_PAGE);
  const roles = useApiQuery('/accounts/{account_id}/roles', { path });
  const change = useApiMutation([apiKey('/accounts/{account_id}/members', path)]);
  const confirm = useConfirm();
  const [dialog, setDialog] = useState<'invite' | 'service' | Member | undefined>(undefined);
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  // Without --smtp-url (or when the mail failed) the inviter passes the link on themselves.
  const [inviteLink, setInviteLink] = useState<{ email: string; link: string } | undefined>(undefined);

  const remove = (m: Member) =>
    confirm.ask({
      title: 'Remove this member?',
      confirmLabel: 'Remove',
      body: (
        <p>
          <strong>{m.user.email}</strong> loses access to this account at once.
        </p>
      ),
      run: async () => {
        await change(() =>
          api.del('/accounts/{account_id}/members/{member_id}', { path: { ...path, member_id: m.id } }),
        );
        setNotice(`Removed ${m.user.email}.`);
      },
    });

  const save = async (name: string, role: string) => {
    const roleIds = [role];
    if (dialog === 'service') {
      const body = { name, roles: roleIds };
      const out = await change(() => api.post('/accounts/{account_id}/service_users', { path, body }));
      setSecret({ name: out.user.email, value: out.token.value });
    } else if (dialog === 'invite') {
      const out = await change(() =>
        api.post('/accounts/{account_id}/members', { path, body: { email: name, roles: roleIds } }),
      );
      if (out.invite_mailed) {
        setInviteLink(undefined);
        setNotice(`Invited ${name}: we mailed them a link; they join once they accept (within 7 days).`);
      } else {
        setNotice(undefined);
        setInviteLink({ email: name, link: out.invite_link });
      }
    } else if (dialog !== undefined) {
      const call = { path: { ...path, member_id: dialog.id }, body: { roles: roleIds } };
      await change(() => api.put('/accounts/{account_id}/members/{member_id}', call));
      setNotice(`Changed the role of ${dialog.user.email}.`);
    }
    setDialog(undefined);
  };

  return (
    <>
      <PageHeader
        title="Members"
        description="People and service users of this account, with their roles."
        primary={{ label: 'Invite a member', onClick: () => setDialog('invite') }}
        actions={<Button onClick={() => setDialog('service')}>Create a service user</Button>}
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {inviteLink === undefined ? null : (
        <section className="card" aria-labelledby="invite-link-heading">
          <h2 id="invite-link-heading">Invitation link for {inviteLink.email}</h2>
          <p>
            No mail was sent (this warren has no <code>--smtp-url</code>, or the mail failed). Send this link to{' '}
            {inviteLink.email} yourself: it works until they accept, for 7 days.
          </p>
          <div className="secret-box">
            <pre data-testid="invite-link">{inviteLink.link}</pre>
          </div>
          <div className="page-actions">
            <CopyButton text={inviteLink.link} label="Copy link" />
            <Button variant="link" onClick={() => setInviteLink(undefined)}>
              Done
            </Button>
          </div>
        </section>
      )}
      {secret === undefined ? null : (
        <ShownOnce
          title={`API token of ${secret.name}`}
          values={[{ kind: 'shown-once', value: secret.value }]}
          onDone={() => setSecret(undefined)}
        />
      )}
      <PagedTable
        load={members}
        noun="members"
        caption="Members"
        rowKey={(m) => m.id}
        columns={[
          { header: 'Member', cell: (m) => m.user.email },
          { header: 'Kind', cell: (m) => (m.user.service_user ? 'Service user' : 'Person') },
          { header: 'Roles', cell: (m) => m.roles.map((r) => r.name).join(', ') },
          {
            header: 'Status',
            cell: (m) =>
              m.status === 'accepted' ? (
                <StatusBadge status="active" label="Accepted" />
              ) : m.status === 'rejected' ? (
                <StatusBadge status="inactive" label="Declined" />
              ) : inviteExpired(m) ? (
                <StatusBadge status="expired" label={`Expired ${day(m.invitation_expires_on)}`} />
              ) : (
                <StatusBadge status="pending" label={`Invited, expires ${day(m.invitation_expires_on)}`} />
              ),
          },
        ]}
        actions={(m) => [
          { label: 'Change role', name: `Change role of ${m.user.email}`, onClick: () => setDialog(m) },
          { label: 'Remove', name: `Remove ${m.user.email}`, onClick: () => remove(m) },
        ]}
      />
      <MemberDialog which={dialog} roles={roles.data ?? []} onSave={save} onClose={() => setDialog(undefined)} />
      {confirm.dialog}
    </>
  );
}
