import { WarrenError } from '../../errors/index.js';
import type { AccountRow, AuditEntry, Repositories, Store, UserRow } from '../../store/index.js';
import type { AuditBy } from '../audit/audit-trail.js';
import { audit } from '../audit/audit-trail.js';
import { DEFAULT_ACCOUNT_NAME, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './bootstrap.js';
import { globalApiKey } from './global-api-key.js';
import { addCreatedMember, rollKey } from './membership.js';
import { ROLES, type Role, roleById, SUPER_ADMIN_ROLE_ID } from './roles.js';

const EMAIL = /^[^@\s]{1,64}@[^@\s]{1,190}$/;

/** Who did it, for the audit log: the operator's shell (`warren admin`) or the setup page's visitor. */
export interface AdminActor {
  interface: 'warren admin' | 'setup';
  ip: string;
}

export interface NewUserInput {
  email: string;
  password?: string | undefined;
  /** The account to join (created when no account has this name); default `default`. */
  accountName?: string | undefined;
  /** Role ids; default Super Administrator. */
  roleIds?: readonly string[] | undefined;
  tokenName: string;
}

export interface NewUser {
  user: UserRow;
  account: AccountRow;
  accountCreated: boolean;
  roles: Role[];
  tokenId: string;
  /** The API token value: shown once, stored hashed. */
  token: string;
}

export interface UserListing {
  id: string;
  email: string;
  kind: UserRow['kind'];
  has_password: boolean;
  created_on: string;
  api_key_rolled_on: string | null;
  accounts: { id: string; name: string; roles: string[] }[];
}

/** Checks an e-mail address; throws TypeError with what to write instead. */
export function checkEmail(email: string): string {
  if (!EMAIL.test(email)) throw new TypeError(`"${email}" is not an e-mail address (write it as name@example.com)`);
  return email.toLowerCase();
}

/** Checks a new password; throws TypeError that says what a good one looks like. Never echoes it. */
export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TypeError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new TypeError(`the password must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  }
  return password;
}

/**
 * A role by id, by its full name, or by the part of its name before " - " (so "Super
 * Administrator" names "Super Administrator - All Privileges"), case-insensitive.
 */
export function roleByName(name: string): Role {
  const want = name.trim().toLowerCase();
  const found =
    roleById(name.trim()) ??
    ROLES.find((r) => r.name.toLowerCase() === want) ??
    ROLES.find((r) => (r.name.split(' - ')[0] ?? '').toLowerCase() === want);
  if (found === undefined) {
    throw new TypeError(`no role is named "${name}"; use one of: ${ROLES.map((r) => `"${r.name}"`).join(', ')}`);
  }
  return found;
}

function auditBy(user: UserRow, by: AdminActor): AuditBy {
  const actor: AuditEntry['actor'] =
    by.interface === 'setup'
      ? { id: user.id, email: user.email, ip: by.ip, type: 'user' }
      : { id: 'warren-admin', email: '', ip: by.ip, type: 'admin' };
  return { actor, interface: by.interface };
}

/**
 * Creates a person with an API token (and a password when given), a member of `accountName`
 * (created if missing) with the given roles. One transaction: the user, membership, token and
 * their audit entries commit together.
 */
export async function createUserWithToken(
  store: Store,
  input: NewUserInput,
  by: AdminActor,
  /** Runs first in the transaction (the setup page spends its link and checks no user exists). */
  guard?: (tx: Repositories) => Promise<void>,
): Promise<NewUser> {
  const email = checkEmail(input.email);
  if (input.password !== undefined) checkPassword(input.password);
  const accountName = (input.accountName ?? DEFAULT_ACCOUNT_NAME).trim();
  if (accountName === '' || accountName.length > 100) {
    throw new TypeError('the account name must be 1 to 100 characters');
  }
  const roleIds = [...(input.roleIds ?? [SUPER_ADMIN_ROLE_ID])];
  const roles = roleIds.map((id) => {
    const r = roleById(id);
    if (r === undefined) throw new TypeError(`unknown role id ${id}`);
    return r;
  });
  return store.transaction(async (tx) => {
    await guard?.(tx);
    const existing = await tx.identity.findUserByEmail(email);
    // An address that was only invited is not a user yet: claim the row, so the invitations show
    // up for them (pending) instead of locking the address out.
    const unclaimed =
      existing?.invited_only === 1 &&
      (await tx.identity.tokensOf(existing.id)).length === 0 &&
      (await tx.identity.accountsOf(existing.id)).length === 0;
    const claimed =
      existing !== undefined && unclaimed ? await tx.identity.claimInvitedUser(existing.id, input.password) : undefined;
    if (existing !== undefined && claimed === undefined) {
      throw new WarrenError(
        'WARREN_USER_EXISTS',
        `a user ${email} already exists; use "warren admin reset-password" for them, or invite them to an account with POST /accounts/{id}/members`,
      );
    }
    const user = claimed ?? (await tx.identity.createUser({ email, kind: 'person', password: input.password }));
    const who = auditBy(user, by);
    let account = await tx.identity.findAccountByName(accountName);
    const accountCreated = account === undefined;
    if (account === undefined) {
      account = await tx.identity.createAccount(accountName);
      await audit(tx, who, {
        accountId: account.id,
        action: 'account_create',
        resource: { id: account.id, type: 'account' },
        newValue: { name: account.name },
      });
    }
    const invited = await tx.identity.membership(account.id, user.id);
    if (invited === undefined) {
      await addCreatedMember(tx, who, account, user, roleIds);
    } else {
      // The operator puts the user in with these roles: the invitation they had is answered for them.
      await tx.identity.setMemberRoles(invited.id, roleIds);
      await tx.identity.answerInvite(invited.id, 'accepted');
      await audit(tx, who, {
        accountId: account.id,
        action: 'member_accept',
        resource: { id: invited.id, type: 'member' },
        metadata: { email: user.email, roles: roleIds },
      });
    }
    const t = await tx.identity.createToken({ userId: user.id, name: input.tokenName, policies: [] });
    await audit(tx, who, {
      accountId: account.id,
      action: 'token_create',
      resource: { id: t.row.id, type: 'api_token' },
      metadata: { name: t.row.name, user: user.email },
    });
    return { user, account, accountCreated, roles, tokenId: t.row.id, token: t.value };
  });
}

async function userByEmail(tx: Repositories, email: string): Promise<UserRow> {
  const user = await tx.identity.findUserByEmail(email.trim());
  if (user === undefined) {
    throw new WarrenError(
      'WARREN_USER_NOT_FOUND',
      `no user ${email.trim()} in this database; see "warren admin list-users" (and check --data-dir / --database-url)`,
    );
  }
  return user;
}

/** Sets a person's password (audited in each of their accounts). */
export async function resetPassword(store: Store, email: string, password: string, by: AdminActor): Promise<UserRow> {
  checkPassword(password);
  return store.transaction(async (tx) => {
    const user = await userByEmail(tx, email);
    if (user.kind !== 'person') {
      throw new TypeError(`${user.email} is a service user: it signs in with API tokens only, never a password`);
    }
    await tx.identity.setPassword(user.id, password);
    for (const { account } of await tx.identity.accountsOf(user.id)) {
      await audit(tx, auditBy(user, by), {
        accountId: account.id,
        action: 'password_reset',
        resource: { id: user.id, type: 'user' },
        metadata: { email: user.email },
      });
    }
    return user;
  });
}

/**
 * Rolls the user's API key: tokens bound to it (cert.pem) stop working and the global API key
 * changes. Returns the new global API key (derived, never stored).
 */
export async function rollUserKey(
  store: Store,
  email: string,
  by: AdminActor,
): Promise<{ user: UserRow; globalApiKey: string }> {
  const user = await store.transaction(async (tx) => {
    const user = await userByEmail(tx, email);
    await rollKey(tx, auditBy(user, by), user, 'rolled by an operator');
    return (await tx.identity.getUser(user.id)) as UserRow;
  });
  return { user, globalApiKey: globalApiKey(store.secrets, user) };
}

/** Every user with their accounts and role names. */
export async function listUsers(store: Store): Promise<UserListing[]> {
  const out: UserListing[] = [];
  for (const u of await store.identity.users()) {
    const accounts = await store.identity.accountsOf(u.id);
    out.push({
      id: u.id,
      email: u.email,
      kind: u.kind,
      has_password: u.password_hash !== null,
      created_on: u.created_on,
      api_key_rolled_on: u.api_key_rolled_on,
      accounts: accounts.map(({ account, membership }) => ({
        id: account.id,
        name: account.name,
        roles: membership.roles.map((id) => roleById(id)?.name ?? id),
      })),
    });
  }
  return out;
}

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH };
