import assert from 'node:assert/strict';
import { apiClient } from './api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './control-harness.js';
import { type ServeHandle, startCli } from './warren-processes.js';

/**
 * Two tenants on one `warren serve`: A is the administrator serve bootstraps (ADMIN_TOKEN), B signs
 * up with `warren admin create-user`. The tenant-isolation tests at the edge share it.
 */

/** The API of `serve` as the holder of `token`; `serve` may be a getter (a serve started later or restarted). */
export function apiOf(serve: ServeHandle | (() => ServeHandle), token: string) {
  const of = typeof serve === 'function' ? serve : () => serve;
  return apiClient(() => of().apiBase, token).call;
}

/** What makes serve bootstrap A, on the test database (`databaseUrl` undefined: SQLite in its data dir). */
export function tenantAEnv(databaseUrl: string | undefined): Record<string, string> {
  return {
    WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
    WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
    ...(databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: databaseUrl }),
  };
}

/** `warren admin …` on serve's database, to completion; its stdout. */
export async function adminCli(serve: ServeHandle, databaseUrl: string | undefined, args: string[]): Promise<string> {
  const p = startCli(['admin', ...args, '--data-dir', serve.dataDir], {
    env: databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: databaseUrl },
  });
  const code = await p.exited;
  assert.equal(code, 0, p.stderr());
  return p.stdout();
}

/** A's account id (the first account A sees). */
export async function accountOfA(serve: ServeHandle | (() => ServeHandle)): Promise<string> {
  return (await apiOf(serve, ADMIN_TOKEN)<{ id: string }[]>('GET', '/accounts')).json.result[0]?.id as string;
}

/** B signs up on the same warren: account `tenant-b`, user b@tenant-b.test; its account id and API. */
export async function signUpTenantB(
  serve: ServeHandle | (() => ServeHandle),
  databaseUrl: string | undefined,
): Promise<{ accountId: string; api: ReturnType<typeof apiOf> }> {
  const of = typeof serve === 'function' ? serve : () => serve;
  const made = JSON.parse(
    await adminCli(of(), databaseUrl, [
      'create-user',
      '--email',
      'b@tenant-b.test',
      '--account',
      'tenant-b',
      '-o',
      'json',
    ]),
  ) as { account: { id: string }; token: { value: string } };
  return { accountId: made.account.id, api: apiOf(serve, made.token.value) };
}
