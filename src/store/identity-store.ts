import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import { isAccountTokenOwner } from './account-token-owner.js';
import { hashToken, newId, newTokenValue } from './ids.js';
import { hashPassword, verifyPasswordOrDummy } from './password-hash.js';
import type { AccountRow, ApiTokenRow, Database, MembershipRow, UserRow } from './schema/schema.js';

/** A membership with its roles parsed (the JSON column never leaves the store). */
export interface Membership {
  id: string;
  account_id: string;
  user_id: string;
  roles: string[];
  status: MembershipRow['status'];
  invited_by: string | null;
  created_on: string;
}

function parseRoles(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function membershipOf(row: MembershipRow): Membership {
  return { ...row, roles: parseRoles(row.roles) };
}

export interface NewToken {
  userId: string;
  name: string;
  policies: unknown[];
  /** Dies when the user's API key is rolled (tokens that `warren login` writes into cert.pem). */
  boundToKey?: boolean;
  /** The token whose request made this one: the new token dies with it. */
  parentTokenId?: string | null;
  notBefore?: string | null;
  expiresOn?: string | null;
  /** A value chosen by the operator (bootstrap); default a fresh random one. */
  value?: string;
}

export interface TokenChange {
  name?: string;
  status?: ApiTokenRow['status'];
  policies?: unknown[];
  notBefore?: string | null;
  expiresOn?: string | null;
}

/** Users, accounts, memberships with roles, and API tokens. */
export class IdentityStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  async createUser(input: {
    email: string;
    name?: string;
    kind: UserRow['kind'];
    password?: string | undefined;
    /** Created only because the address was invited (see `claimInvitedUser`). */
    invitedOnly?: boolean;
  }): Promise<UserRow> {
    const now = this.#now();
    const row: UserRow = {
      id: newId(),
      email: input.email.toLowerCase(),
      name: input.name ?? input.email,
      kind: input.kind,
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
      api_key_generation: 0,
      api_key_rolled_on: null,
      invited_only: input.invitedOnly === true ? 1 : 0,
      created_on: now,
      modified_on: now,
    };
    await this.#db.insertInto('users').values(row).execute();
    return row;
  }

  /**
   * Sets the password and ends every dashboard session of the user (in the caller's transaction):
   * a reset is how an operator locks out whoever learned the old password, so a session that
   * password opened must not outlive it.
   */
  async setPassword(userId: string, password: string): Promise<void> {
    await this.#db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password), modified_on: this.#now() })
      .where('id', '=', userId)
      .execute();
    await this.#endSessions(userId);
  }

  /** Deletes every dashboard session of the user. */
  async #endSessions(userId: string): Promise<void> {
    await this.#db.deleteFrom('dashboard_sessions').where('user_id', '=', userId).execute();
  }

  /** Makes an invited-only user a real one (`warren admin create-user` for an invited address). */
  async claimInvitedUser(userId: string, password: string | undefined): Promise<UserRow | undefined> {
    const r = await this.#db
      .updateTable('users')
      .set({
        invited_only: 0,
        ...(password === undefined ? {} : { password_hash: await hashPassword(password) }),
        modified_on: this.#now(),
      })
      .where('id', '=', userId)
      .where('invited_only', '=', 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? this.getUser(userId) : undefined;
  }

  async checkPassword(user: UserRow, password: string): Promise<boolean> {
    // A user without a password costs the same scrypt run: timing does not tell the two apart.
    return verifyPasswordOrDummy(password, user.password_hash);
  }

  getUser(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }

  /** Every user, oldest first (for `warren admin list-users`). */
  users(): Promise<UserRow[]> {
    return this.#db.selectFrom('users').selectAll().orderBy('created_on').orderBy('email').execute();
  }

  async countUsers(): Promise<number> {
    const r = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Rolls the user's API key: every token bound to it stops working. */
  /**
   * Rolls the API key and, unless `endSessions` is false, ends the user's dashboard sessions: a roll
   * someone else causes marks a change of rights or a suspected leak, so a session from before it
   * must sign in again.
   */
  async rollApiKey(userId: string, endSessions = true): Promise<void> {
    await this.#db
      .updateTable('users')
      .set((eb) => {
        const now = this.#now();
        return { api_key_generation: eb('api_key_generation', '+', 1), api_key_rolled_on: now, modified_on: now };
      })
      .where('id', '=', userId)
      .execute();
    if (endSessions) await this.#endSessions(userId);
  }

  async createAccount(name: string): Promise<AccountRow> {
    const row: AccountRow = { id: newId(), name, created_on: this.#now() };
    await this.#db.insertInto('accounts').values(row).execute();
    return row;
  }

  async renameAccount(id: string, name: string): Promise<void> {
    await this.#db.updateTable('accounts').set({ name }).where('id', '=', id).execute();
  }

  getAccount(id: string): Promise<AccountRow | undefined> {
    return this.#db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findAccountByName(name: string): Promise<AccountRow | undefined> {
    return this.#db
      .selectFrom('accounts')
      .selectAll()
      .where('name', '=', name)
      .orderBy('created_on')
      .executeTakeFirst();
  }

  /** Accounts the user is an accepted member of, each with the membership (pending invitations grant nothing). */
  async accountsOf(userId: string): Promise<{ account: AccountRow; membership: Membership }[]> {
    return (await this.membershipsOf(userId)).filter((m) => m.membership.status === 'accepted');
  }

  /** Every membership of the user, invitations (pending, rejected) included, oldest account first. */
  async membershipsOf(userId: string): Promise<{ account: AccountRow; membership: Membership }[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .innerJoin('accounts', 'accounts.id', 'memberships.account_id')
      .selectAll('memberships')
      .select(['accounts.name as account_name', 'accounts.created_on as account_created_on'])
      .where('memberships.user_id', '=', userId)
      .orderBy('accounts.created_on')
      .execute();
    return rows.map(({ account_name, account_created_on, ...m }) => ({
      account: { id: m.account_id, name: account_name, created_on: account_created_on },
      membership: membershipOf(m),
    }));
  }

  async addMember(
    accountId: string,
    userId: string,
    roles: readonly string[],
    invite?: { invitedBy: string },
  ): Promise<Membership> {
    const row: MembershipRow = {
      id: newId(),
      account_id: accountId,
      user_id: userId,
      roles: JSON.stringify(roles),
      status: invite === undefined ? 'accepted' : 'pending',
      invited_by: invite?.invitedBy ?? null,
      created_on: this.#now(),
    };
    await this.#db.insertInto('memberships').values(row).execute();
    return membershipOf(row);
  }

  /** Invites again after a rejection: pending, with the new roles. */
  async reinvite(membershipId: string, roles: readonly string[], invitedBy: string): Promise<void> {
    await this.#db
      .updateTable('memberships')
      .set({ roles: JSON.stringify(roles), status: 'pending', invited_by: invitedBy, created_on: this.#now() })
      .where('id', '=', membershipId)
      .execute();
  }

  /** Answers an invitation; false when it was no longer pending (someone answered first). */
  async answerInvite(membershipId: string, status: 'accepted' | 'rejected'): Promise<boolean> {
    const r = await this.#db
      .updateTable('memberships')
      .set({ status })
      .where('id', '=', membershipId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async membershipById(id: string): Promise<Membership | undefined> {
    const row = await this.#db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : membershipOf(row);
  }

  async membership(accountId: string, userId: string): Promise<Membership | undefined> {
    const row = await this.#db
      .selectFrom('memberships')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row === undefined ? undefined : membershipOf(row);
  }

  async members(accountId: string): Promise<{ membership: Membership; user: UserRow }[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('users')
      .select([
        'memberships.id as m_id',
        'memberships.roles as m_roles',
        'memberships.status as m_status',
        'memberships.invited_by as m_invited_by',
        'memberships.created_on as m_created_on',
      ])
      .where('memberships.account_id', '=', accountId)
      .orderBy('memberships.created_on')
      .execute();
    // The owner of the account's own API tokens is no member anyone manages (account-token-owner.ts).
    const people = rows.filter((r) => !isAccountTokenOwner(r.email));
    return people.map(({ m_id, m_roles, m_status, m_invited_by, m_created_on, ...user }) => ({
      membership: {
        id: m_id,
        account_id: accountId,
        user_id: user.id,
        roles: parseRoles(m_roles),
        status: m_status,
        invited_by: m_invited_by,
        created_on: m_created_on,
      },
      user,
    }));
  }

  async setMemberRoles(membershipId: string, roles: readonly string[]): Promise<void> {
    await this.#db
      .updateTable('memberships')
      .set({ roles: JSON.stringify(roles) })
      .where('id', '=', membershipId)
      .execute();
  }

  async removeMember(membershipId: string): Promise<void> {
    await this.#db.deleteFrom('memberships').where('id', '=', membershipId).execute();
  }

  async createToken(input: NewToken): Promise<{ row: ApiTokenRow; value: string }> {
    const value = input.value ?? newTokenValue();
    const now = this.#now();
    let keyGeneration: number | null = null;
    if (input.boundToKey === true) {
      const user = await this.getUser(input.userId);
      keyGeneration = user?.api_key_generation ?? 0;
    }
    const row: ApiTokenRow = {
      id: newId(),
      user_id: input.userId,
      name: input.name,
      token_hash: hashToken(value),
      status: 'active',
      policies: JSON.stringify(input.policies),
      key_generation: keyGeneration,
      parent_token_id: input.parentTokenId ?? null,
      not_before: input.notBefore ?? null,
      expires_on: input.expiresOn ?? null,
      issued_on: now,
      modified_on: now,
      last_used_on: null,
    };
    await this.#db.insertInto('api_tokens').values(row).execute();
    return { row, value };
  }

  /** The token (and its user) a presented value belongs to; the value is only ever compared hashed. */
  async tokenByValue(value: string): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
    const token = await this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(value))
      .executeTakeFirst();
    if (token === undefined) return undefined;
    const user = await this.getUser(token.user_id);
    return user === undefined ? undefined : { token, user };
  }

  tokenById(id: string): Promise<ApiTokenRow | undefined> {
    return this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async touchToken(id: string): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_on: this.#now() }).where('id', '=', id).execute();
  }

  tokensOf(userId: string): Promise<ApiTokenRow[]> {
    return this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('issued_on')
      .orderBy('id')
      .execute();
  }

  token(userId: string, id: string): Promise<ApiTokenRow | undefined> {
    const q = this.#db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId);
    return q.where('id', '=', id).executeTakeFirst();
  }

  async updateToken(id: string, change: TokenChange): Promise<void> {
    await this.#db
      .updateTable('api_tokens')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.policies !== undefined ? { policies: JSON.stringify(change.policies) } : {}),
        ...(change.notBefore !== undefined ? { not_before: change.notBefore } : {}),
        ...(change.expiresOn !== undefined ? { expires_on: change.expiresOn } : {}),
        modified_on: this.#now(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** A new value for the token; the old one stops working at once. */
  async rollToken(id: string): Promise<string> {
    const value = newTokenValue();
    await this.#db
      .updateTable('api_tokens')
      .set({ token_hash: hashToken(value), modified_on: this.#now() })
      .where('id', '=', id)
      .execute();
    return value;
  }

  async deleteToken(id: string): Promise<void> {
    await this.#db.deleteFrom('api_tokens').where('id', '=', id).execute();
  }
}
