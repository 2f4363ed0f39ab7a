import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AdminActor,
  createUserWithToken,
  listUsers as listAllUsers,
  resetPassword as resetUserPassword,
  roleByName,
  rollUserKey,
} from '../../control/index.js';
import { WarrenError } from '../../errors/index.js';
import { Store } from '../../store/index.js';
import { createLogger } from '../logger.js';
import type { AdminDbFlags } from './admin-options.js';

const BY: AdminActor = { interface: 'warren admin', ip: '' };

/**
 * Opens the database of --data-dir / --database-url. Only create-user may start a fresh SQLite
 * database (bootstrap); the others refuse a data directory without one, which is a typo.
 */
export async function withStore<T>(f: AdminDbFlags, mayCreate: boolean, fn: (store: Store) => Promise<T>): Promise<T> {
  const dataDir = resolve(f.dataDir);
  const postgres = f.databaseUrl !== undefined && f.databaseUrl !== '';
  if (!postgres && !mayCreate && !existsSync(join(dataDir, 'warren.db'))) {
    throw new WarrenError(
      'WARREN_DATABASE',
      `there is no warren database in ${dataDir}; pass the --data-dir that \`warren serve\` uses (or --database-url)`,
    );
  }
  const store = await Store.open({
    dataDir,
    databaseUrl: f.databaseUrl,
    secretKey: process.env.WARREN_SECRET_KEY,
    logger: createLogger({ level: 'warn', output: 'text' }),
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The whole of standard input, without its final line break. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      '--password-stdin reads a pipe, not a terminal: printf %s "$PASSWORD" | warren admin …',
    );
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text === '') throw new WarrenError('WARREN_CONFIG_INVALID', '--password-stdin read an empty password');
  return text;
}

/** Bad input (TypeError from the control layer) becomes one coded line on stderr. */
async function asConfigError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TypeError) throw new WarrenError('WARREN_CONFIG_INVALID', err.message, { cause: err });
    throw err;
  }
}

export async function createUser(
  f: AdminDbFlags & { email: string; passwordStdin: boolean; account: string; role: string; output?: string },
): Promise<void> {
  const made = await asConfigError(async () => {
    const role = roleByName(f.role);
    const password = f.passwordStdin ? await readPassword() : undefined;
    return withStore(f, true, (store) =>
      createUserWithToken(
        store,
        {
          email: f.email,
          password,
          accountName: f.account,
          roleIds: [role.id],
          tokenName: 'warren admin create-user',
        },
        BY,
      ),
    );
  });
  if (f.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({
        user: { id: made.user.id, email: made.user.email },
        account: { id: made.account.id, name: made.account.name, created: made.accountCreated },
        roles: made.roles.map((r) => r.name),
        token: { id: made.tokenId, value: made.token },
      })}\n`,
    );
    return;
  }
  process.stdout.write(
    [
      `created ${made.user.email} (${made.user.id}): ${made.roles.map((r) => r.name).join(', ')} in account ${made.account.name} (${made.account.id}${made.accountCreated ? ', new' : ''})`,
      'API token (shown once; only its hash is kept):',
      made.token,
      '',
    ].join('\n'),
  );
}

export async function resetPassword(f: AdminDbFlags & { email: string }): Promise<void> {
  const user = await asConfigError(async () => {
    const password = await readPassword();
    return withStore(f, false, (store) => resetUserPassword(store, f.email, password, BY));
  });
  process.stdout.write(`password of ${user.email} changed\n`);
}

export async function listUsers(f: AdminDbFlags & { output?: string }): Promise<void> {
  const users = await withStore(f, false, (store) => listAllUsers(store));
  if (f.output === 'json') {
    process.stdout.write(`${JSON.stringify(users)}\n`);
    return;
  }
  const rows = users.map((u) => [
    u.email,
    u.id,
    u.kind,
    u.has_password ? 'yes' : 'no',
    u.accounts.map((a) => `${a.name}: ${a.roles.join(', ')}`).join('; ') || '-',
  ]);
  const head = ['EMAIL', 'ID', 'KIND', 'PASSWORD', 'ACCOUNTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[head, ...rows].map(line).join('\n')}\n`);
}

export async function rollKey(f: AdminDbFlags & { email: string; output?: string }): Promise<void> {
  const r = await withStore(f, false, (store) => rollUserKey(store, f.email, BY));
  if (f.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({ user: { id: r.user.id, email: r.user.email }, rolled_on: r.user.api_key_rolled_on, global_api_key: r.globalApiKey })}\n`,
    );
    return;
  }
  process.stdout.write(
    [
      `API key of ${r.user.email} rolled on ${r.user.api_key_rolled_on}: tokens bound to the old key (cert.pem) stop working.`,
      'New global API key (X-Auth-Key; shown once):',
      r.globalApiKey,
      '',
    ].join('\n'),
  );
}
