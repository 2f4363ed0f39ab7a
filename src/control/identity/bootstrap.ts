import type { Store } from '../../store/index.js';
import { SUPER_ADMIN_ROLE_ID } from './roles.js';

export const DEFAULT_ACCOUNT_NAME = 'default';
export const MIN_TOKEN_LENGTH = 20;
// In this small module, not in user-admin.ts: `warren serve --help` names them, and the CLI must
// not load the store (and its 28 MiB) to say so in every `warren tunnel` process.
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024; // scrypt takes any length; this only bounds the work per request

export interface BootstrapInput {
  email: string;
  /** The API token value the administrator will use (stored hashed). */
  token: string;
  password?: string | undefined;
}

export interface BootstrapResult {
  userId: string;
  accountId: string;
  /** False when the administrator and token were already there (restarts are no-ops). */
  created: boolean;
}

/**
 * `WARREN_ADMIN_EMAIL` / `WARREN_ADMIN_TOKEN` / `WARREN_ADMIN_PASSWORD`: makes sure a super
 * administrator with that token exists, in an account named `default`. Idempotent.
 */
export async function bootstrapAdmin(store: Store, input: BootstrapInput): Promise<BootstrapResult> {
  if (input.token.length < MIN_TOKEN_LENGTH || /\s/.test(input.token)) {
    throw new TypeError(
      `WARREN_ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 20)`,
    );
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(input.email)) throw new TypeError('WARREN_ADMIN_EMAIL must be an e-mail address');
  return store.transaction(async (tx) => {
    let created = false;
    let user = await tx.identity.findUserByEmail(input.email);
    if (user === undefined) {
      user = await tx.identity.createUser({ email: input.email, kind: 'person', password: input.password });
      created = true;
    } else if (input.password !== undefined && !(await tx.identity.checkPassword(user, input.password))) {
      await tx.identity.setPassword(user.id, input.password);
    }
    const accounts = await tx.identity.accountsOf(user.id);
    let accountId =
      accounts.find((a) => a.account.name === DEFAULT_ACCOUNT_NAME)?.account.id ?? accounts[0]?.account.id;
    if (accountId === undefined) {
      const existing = await tx.identity.findAccountByName(DEFAULT_ACCOUNT_NAME);
      const account = existing ?? (await tx.identity.createAccount(DEFAULT_ACCOUNT_NAME));
      accountId = account.id;
      await tx.identity.addMember(account.id, user.id, [SUPER_ADMIN_ROLE_ID]);
      await tx.audit.append({
        accountId: account.id,
        action: 'member_add',
        actor: { id: user.id, email: user.email, ip: '', type: 'admin' },
        interface: 'bootstrap',
        resource: { id: user.id, type: 'member' },
        metadata: { email: user.email, roles: [SUPER_ADMIN_ROLE_ID] },
      });
      created = true;
    }
    const have = await tx.identity.tokenByValue(input.token);
    if (have === undefined) {
      const t = await tx.identity.createToken({
        userId: user.id,
        name: 'bootstrap (WARREN_ADMIN_TOKEN)',
        policies: [],
        value: input.token,
      });
      await tx.audit.append({
        accountId,
        action: 'token_create',
        actor: { id: user.id, email: user.email, ip: '', type: 'admin' },
        interface: 'bootstrap',
        resource: { id: t.row.id, type: 'api_token' },
        metadata: { name: t.row.name },
      });
      created = true;
    } else if (have.user.id !== user.id) {
      throw new TypeError('WARREN_ADMIN_TOKEN is already the token of another user; choose a new value');
    }
    return { userId: user.id, accountId, created };
  });
}
