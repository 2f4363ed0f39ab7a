import type { AccountRow, AuditAction, Membership, Repositories, Store, UserRow } from '../../store/index.js';
import { isUniqueViolation } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type AuditBy, type AuditEvent, audit } from '../audit/audit-trail.js';
import { SUPER_ADMIN_ROLE_ID } from './roles.js';

/**
 * The membership rules, each in one function that does the write, the API-key roll and the
 * audit entries in one transaction (routes and `warren admin` only call these):
 *
 * - joining an account is an invitation the user accepts (`pending` grants nothing);
 * - the user's API key rolls only on their own acceptance, or on a role change inside an
 *   account they belong to, so another account can never break someone's cert.pem;
 * - every step is recorded in that account's audit log and in each of the user's other
 *   accounts, so an account sees when its members join, leave or are invited elsewhere.
 */

export const INVITE_VALIDITY_MS = 7 * 24 * 3_600_000; // 7 days, as Cloudflare's invitations

/** When a pending invitation stops being acceptable (a re-invitation starts a new 7 days). */
export function inviteExpiresOn(m: Pick<Membership, 'created_on'>): string {
  return new Date(Date.parse(m.created_on) + INVITE_VALIDITY_MS).toISOString();
}

/** A pending invitation older than 7 days: it can no longer be accepted. */
export function inviteExpired(m: Pick<Membership, 'status' | 'created_on'>, now: Date): boolean {
  return m.status === 'pending' && now.getTime() >= Date.parse(m.created_on) + INVITE_VALIDITY_MS;
}

/** The e-mail domain suffix of service users (`<name>@<account id>.service.invalid`). */
export const SERVICE_USER_DOMAIN = '.service.invalid';

export interface MemberOf {
  membership: Membership;
  user: UserRow;
}

/** The user's accepted accounts other than `exceptAccountId`. */
async function otherAccounts(tx: Repositories, userId: string, exceptAccountId: string): Promise<AccountRow[]> {
  return (await tx.identity.accountsOf(userId)).map((x) => x.account).filter((a) => a.id !== exceptAccountId);
}

/** The same event, recorded in each of the user's other accounts (about the account it happened in). */
async function tellOtherAccounts(
  tx: Repositories,
  by: AuditBy,
  user: UserRow,
  account: AccountRow,
  action: AuditAction,
  extra: Record<string, unknown> = {},
): Promise<void> {
  for (const other of await otherAccounts(tx, user.id, account.id)) {
    await audit(tx, by, {
      accountId: other.id,
      action,
      resource: { id: user.id, type: 'user' },
      metadata: { email: user.email, account_id: account.id, account_name: account.name, ...extra },
    });
  }
}

/** Rolls the user's API key and records it in every account they belong to. */
export async function rollKey(tx: Repositories, by: AuditBy, user: UserRow, reason: string): Promise<void> {
  // A roll someone else caused (a role change, an operator) ends the user's dashboard sessions;
  // the user's own act (accepting an invitation, a new account) only adds rights and ends none.
  await tx.identity.rollApiKey(user.id, by.actor.id !== user.id);
  for (const { account } of await tx.identity.accountsOf(user.id)) {
    await audit(tx, by, {
      accountId: account.id,
      action: 'api_key_roll',
      resource: { id: user.id, type: 'user' },
      metadata: { email: user.email, reason },
    });
  }
}

/**
 * Invites `email` into `account` with `roles`: a pending membership that grants nothing until the
 * user accepts it. An address without a user gets an invited-only user that `warren admin
 * create-user` can still claim. Nobody's key rolls.
 */
export async function addMember(
  store: Store,
  by: AuditBy,
  input: { account: AccountRow; email: string; roles: readonly string[] },
): Promise<MemberOf> {
  const { account, roles } = input;
  // Service users live in the one account that made them; an invitation for such an address
  // would only take the name from that account (it could no longer create the service user).
  if (input.email.toLowerCase().endsWith(SERVICE_USER_DOMAIN)) {
    throw ApiError.invalid(
      `${input.email} is a service user address; service users belong to one account and cannot be invited (create one with POST /accounts/{id}/service_users)`,
    );
  }
  try {
    return await store.transaction(async (tx) => {
      const user =
        (await tx.identity.findUserByEmail(input.email)) ??
        (await tx.identity.createUser({ email: input.email, kind: 'person', invitedOnly: true }));
      const have = await tx.identity.membership(account.id, user.id);
      // A rejected or expired invitation may be sent again (it starts a new 7 days).
      if (have !== undefined && have.status !== 'rejected' && !inviteExpired(have, store.clock.now())) {
        throw new ApiError(
          'WARREN_API_CONFLICT',
          `${user.email} is already ${have.status === 'pending' ? 'invited to' : 'a member of'} this account; change their roles with PUT instead`,
        );
      }
      let membership: Membership;
      if (have === undefined) {
        membership = await tx.identity.addMember(account.id, user.id, roles, { invitedBy: by.actor.email });
      } else {
        await tx.identity.reinvite(have.id, roles, by.actor.email);
        membership = { ...have, roles: [...roles], status: 'pending', invited_by: by.actor.email };
      }
      await audit(tx, by, {
        accountId: account.id,
        action: 'member_invite',
        resource: { id: membership.id, type: 'member' },
        metadata: { email: user.email, roles: [...roles] },
      });
      await tellOtherAccounts(tx, by, user, account, 'member_invited_elsewhere', { roles: [...roles] });
      return { membership, user };
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ApiError('WARREN_API_CONFLICT', `${input.email} is already invited to or a member of this account`);
    }
    throw err;
  }
}

/**
 * The user's answer to their own invitation. Accepting rolls their API key (their rights grew:
 * cert.pem tokens made before must not carry them) and tells all their accounts.
 */
export async function answerInvite(
  store: Store,
  by: AuditBy,
  user: UserRow,
  membershipId: string,
  status: 'accepted' | 'rejected',
): Promise<Membership> {
  return store.transaction(async (tx) => {
    const m = await tx.identity.membershipById(membershipId);
    // Someone else's invitation looks exactly like a missing one.
    if (m === undefined || m.user_id !== user.id) throw ApiError.notFound(`invitation ${membershipId}`);
    if (m.status === status) return m;
    if (status === 'accepted' && inviteExpired(m, store.clock.now())) {
      throw new ApiError(
        'WARREN_INVITE_EXPIRED',
        `this invitation expired on ${inviteExpiresOn(m)} (invitations are valid for 7 days); ask the account's administrator to invite you again`,
      );
    }
    if (m.status !== 'pending' || !(await tx.identity.answerInvite(m.id, status))) {
      throw new ApiError(
        'WARREN_API_CONFLICT',
        `this invitation was already ${m.status}; ask the account's administrator to invite you again`,
      );
    }
    const account = await tx.identity.getAccount(m.account_id);
    if (account === undefined) throw ApiError.notFound(`invitation ${membershipId}`);
    const action = status === 'accepted' ? 'member_accept' : 'member_reject';
    await audit(tx, by, {
      accountId: account.id,
      action,
      resource: { id: m.id, type: 'member' },
      metadata: { email: user.email, roles: m.roles },
    });
    if (status === 'accepted') {
      await tellOtherAccounts(tx, by, user, account, 'member_join_elsewhere', { roles: m.roles });
      await rollKey(tx, by, user, `accepted the invitation to account ${account.name} (${account.id})`);
    } else {
      await tellOtherAccounts(tx, by, user, account, 'member_reject_elsewhere', { roles: m.roles });
    }
    return { ...m, status };
  });
}

/** How many accepted super administrators the account has. */
function superAdmins(all: readonly MemberOf[]): number {
  return all.filter((x) => x.membership.status === 'accepted' && x.membership.roles.includes(SUPER_ADMIN_ROLE_ID))
    .length;
}

function refuseLastSuperAdmin(all: readonly MemberOf[], m: Membership, next: readonly string[]): void {
  if (
    m.status === 'accepted' &&
    m.roles.includes(SUPER_ADMIN_ROLE_ID) &&
    !next.includes(SUPER_ADMIN_ROLE_ID) &&
    superAdmins(all) <= 1
  ) {
    throw ApiError.invalid('this is the last super administrator of the account; make someone else one first');
  }
}

/**
 * The member as it is now, inside `tx` (404 when gone), after refusing a change that leaves it
 * with `next` roles when that would leave the account without an accepted super administrator.
 */
async function memberToChange(
  tx: Repositories,
  account: AccountRow,
  target: MemberOf,
  next: readonly string[],
): Promise<Membership> {
  const all = await tx.identity.members(account.id);
  const m = all.find((x) => x.membership.id === target.membership.id)?.membership;
  if (m === undefined) throw ApiError.notFound(`member ${target.membership.id}`);
  refuseLastSuperAdmin(all, m, next);
  return m;
}

/** The audit entry of a change to member `m`: its roles before, and after unless it was removed. */
async function auditMemberChange(
  tx: Repositories,
  by: AuditBy,
  account: AccountRow,
  target: MemberOf,
  m: Membership,
  next: { action: 'member_update'; roles: readonly string[] } | { action: 'member_remove' },
): Promise<void> {
  await audit(tx, by, {
    accountId: account.id,
    action: next.action,
    resource: { id: m.id, type: 'member' },
    metadata: { email: target.user.email, status: m.status },
    oldValue: { roles: m.roles },
    ...(next.action === 'member_update' ? { newValue: { roles: [...next.roles] } } : {}),
  });
}

/**
 * Sets a member's roles. For an accepted member their API key rolls; a pending invitation only
 * changes what the user would accept (nothing rolls, nothing is granted).
 */
export async function changeRoles(
  store: Store,
  by: AuditBy,
  account: AccountRow,
  target: MemberOf,
  roles: readonly string[],
): Promise<Membership> {
  return store.transaction(async (tx) => {
    const m = await memberToChange(tx, account, target, roles);
    await tx.identity.setMemberRoles(m.id, roles);
    await auditMemberChange(tx, by, account, target, m, { action: 'member_update', roles });
    if (m.status === 'accepted') await rollKey(tx, by, target.user, `roles changed in account ${account.name}`);
    return { ...m, roles: [...roles] };
  });
}

/**
 * Removes a member or withdraws an invitation. Nothing rolls: the rights in this account end
 * with the membership, and the user's other credentials stay theirs.
 */
export async function removeMember(store: Store, by: AuditBy, account: AccountRow, target: MemberOf): Promise<void> {
  await store.transaction(async (tx) => {
    const m = await memberToChange(tx, account, target, []);
    await tx.identity.removeMember(m.id);
    await auditMemberChange(tx, by, account, target, m, { action: 'member_remove' });
    await tellOtherAccounts(
      tx,
      by,
      target.user,
      account,
      m.status === 'accepted' ? 'member_left_elsewhere' : 'member_invite_withdrawn_elsewhere',
    );
  });
}

/** A new account whose super administrator is `user` (their own act: their key rolls). */
export async function createAccountFor(store: Store, by: AuditBy, user: UserRow, name: string): Promise<AccountRow> {
  return store.transaction(async (tx) => {
    const account = await tx.identity.createAccount(name);
    const m = await tx.identity.addMember(account.id, user.id, [SUPER_ADMIN_ROLE_ID]);
    await audit(
      tx,
      by,
      {
        accountId: account.id,
        action: 'account_create',
        resource: { id: account.id, type: 'account' },
        newValue: { name },
      },
      {
        accountId: account.id,
        action: 'member_add',
        resource: { id: m.id, type: 'member' },
        metadata: { email: user.email, roles: [SUPER_ADMIN_ROLE_ID] },
      },
    );
    await tellOtherAccounts(tx, by, user, account, 'member_join_elsewhere', { roles: [SUPER_ADMIN_ROLE_ID] });
    await rollKey(tx, by, user, 'made super administrator of a new account');
    return account;
  });
}

/** A member row for a user the operator (or an account's administrator) creates in place: no invitation. */
export async function addCreatedMember(
  tx: Repositories,
  by: AuditBy,
  account: AccountRow,
  user: UserRow,
  roles: readonly string[],
  extra: Record<string, unknown> = {},
): Promise<Membership> {
  const m = await tx.identity.addMember(account.id, user.id, roles);
  const event: AuditEvent = {
    accountId: account.id,
    action: 'member_add',
    resource: { id: m.id, type: 'member' },
    metadata: { email: user.email, roles: [...roles], ...extra },
  };
  await audit(tx, by, event);
  return m;
}
