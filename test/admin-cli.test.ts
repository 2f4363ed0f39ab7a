import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ControlPlane, createApiServer, globalApiKey, ROLES } from '../src/control/index.js';
import { Store, type UserRow } from '../src/store/index.js';
import { DIALECTS, type Envelope, quietLogger } from './support/control-harness.js';
import { CLI, tempDir } from './support/warren-processes.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `warren admin …` as a user runs it, with `input` on standard input. */
function admin(args: string[], input = ''): Promise<Run> {
  const env = { ...process.env };
  delete env.WARREN_DATA_DIR;
  delete env.WARREN_DATABASE_URL;
  const child = spawn(process.execPath, [CLI, 'admin', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A failure is exit 1 with exactly one line on stderr, naming the code. */
function assertFailed(r: Run, code: string, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^warren: .*\\[${code}\\]\\n$`));
  assert.match(r.stderr, message);
}

for (const dialect of DIALECTS) {
  describe(`warren admin on a data dir (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<(typeof DIALECTS)[number]['fresh']>>;
    let where: string[];
    let store: Store | undefined;
    let control: ControlPlane | undefined;
    let app: FastifyInstance | undefined;
    let opsToken = '';

    /** An API server over the same database, as `warren serve` would be (opened after the first user exists). */
    const api = async <R>(path: string, headers: Record<string, string>, method = 'GET', body?: unknown) => {
      if (app === undefined) {
        store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger });
        control = await ControlPlane.start({
          store,
          domain: 'warren.localhost',
          edgeName: 'test-edge',
          logger: quietLogger,
          classicCleanupTimer: false,
          zoneVerificationTimer: false,
        });
        app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
        await app.ready();
      }
      const res = await app.inject({
        method: method as 'GET',
        url: `/client/v4${path}`,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.json() as Envelope<R> };
    };
    const userNamed = async (email: string): Promise<UserRow> =>
      (await store?.identity.findUserByEmail(email)) as UserRow;

    before(async () => {
      db = await dialect.fresh();
      where = ['--data-dir', db.dataDir, ...(db.databaseUrl === undefined ? [] : ['--database-url', db.databaseUrl])];
    });
    after(async () => {
      await app?.close();
      await control?.close();
      await store?.close();
      await db?.drop();
    });

    test('create-user makes a super administrator with a password and prints its API token once; refuses a second one', async () => {
      if (db.databaseUrl === undefined) {
        const missing = await admin(['list-users', '--data-dir', tempDir('warren-empty-')]);
        assertFailed(missing, 'WARREN_DATABASE', /no warren database in .*pass the --data-dir/);
      }
      const r = await admin(
        ['create-user', '--email', 'Ops@Example.test', '--password-stdin', '-o', 'json', ...where],
        'correct horse battery\n',
      );
      assert.equal(r.code, 0, r.stderr);
      const made = JSON.parse(r.stdout) as {
        user: { email: string };
        account: { name: string; created: boolean };
        roles: string[];
        token: { value: string };
      };
      assert.equal(made.user.email, 'ops@example.test');
      assert.deepEqual(made.account, { ...made.account, name: 'default', created: true });
      assert.deepEqual(made.roles, ['Super Administrator - All Privileges']);
      opsToken = made.token.value;
      const me = await api<{ email: string }>('/user', { authorization: `Bearer ${opsToken}` });
      assert.equal(me.json.result.email, 'ops@example.test');
      const user = await userNamed('ops@example.test');
      assert.equal(await store?.identity.checkPassword(user, 'correct horse battery'), true);
      assert.ok(!JSON.stringify(await store?.identity.tokensOf(user.id)).includes(opsToken), 'stored hashed');

      assertFailed(
        await admin(['create-user', '--email', 'ops@example.test', ...where]),
        'WARREN_USER_EXISTS',
        /reset-password/,
      );
      assertFailed(
        await admin(['create-user', '--email', 'x@example.test', '--role', 'Janitor', ...where]),
        'WARREN_CONFIG_INVALID',
        /no role is named "Janitor"; use one of: "Super Administrator - All Privileges"/,
      );
      assertFailed(
        await admin(['create-user', '--email', 'x@example.test', '--password-stdin', ...where], ''),
        'WARREN_CONFIG_INVALID',
        /empty password/,
      );
    });

    test('create-user into another account with a role, and list-users shows both (table and -o json)', async () => {
      const r = await admin([
        'create-user',
        '--email',
        'dns@example.test',
        '--account',
        'other',
        '--role',
        'dns',
        ...where,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(
        lines[0] ?? '',
        /^created dns@example\.test \([0-9a-f]{32}\): DNS in account other \([0-9a-f]{32}, new\)$/,
      );
      assert.match(lines[2] ?? '', /^[A-Za-z0-9_-]{40}$/);

      const table = await admin(['list-users', ...where]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^EMAIL\s+ID\s+KIND\s+PASSWORD\s+ACCOUNTS\n/);
      assert.match(table.stdout, /ops@example\.test\s+[0-9a-f]{32}\s+person\s+yes\s+default: Super Administrator/);
      assert.match(table.stdout, /dns@example\.test\s+[0-9a-f]{32}\s+person\s+no\s+other: DNS/);
      const json = await admin(['list-users', '-o', 'json', ...where]);
      const users = JSON.parse(json.stdout) as { email: string; accounts: { name: string; roles: string[] }[] }[];
      assert.deepEqual(
        users.map((u) => [u.email, u.accounts.map((a) => `${a.name}=${a.roles.join('+')}`)]),
        [
          ['ops@example.test', ['default=Super Administrator - All Privileges']],
          ['dns@example.test', ['other=DNS']],
        ],
      );
    });

    test('reset-password reads standard input, checks the length, and is audited; unknown users are named', async () => {
      const r = await admin(
        ['reset-password', '--email', 'ops@example.test', '--password-stdin', ...where],
        'a new passphrase\r\n',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'password of ops@example.test changed\n');
      const user = await userNamed('ops@example.test');
      assert.equal(await store?.identity.checkPassword(user, 'a new passphrase'), true);
      assert.equal(await store?.identity.checkPassword(user, 'correct horse battery'), false);
      assertFailed(
        await admin(['reset-password', '--email', 'ops@example.test', '--password-stdin', ...where], 'short'),
        'WARREN_CONFIG_INVALID',
        /at least 10 characters/,
      );
      assert.ok(
        !(
          await admin(['reset-password', '--email', 'ops@example.test', '--password-stdin', ...where], 'short')
        ).stderr.includes('short'),
      );
      assertFailed(
        await admin(
          ['reset-password', '--email', 'nobody@example.test', '--password-stdin', ...where],
          'whatever long',
        ),
        'WARREN_USER_NOT_FOUND',
        /no user nobody@example\.test .*warren admin list-users/,
      );
      const accountId = (await store?.identity.findAccountByName('default'))?.id as string;
      const audit = await api<{ action: { type: string }; interface: string; actor: { type: string } }[]>(
        `/accounts/${accountId}/audit_logs?action.type=password_reset`,
        { authorization: `Bearer ${opsToken}` },
      );
      assert.equal(audit.json.result.length, 1);
      assert.equal(audit.json.result[0]?.interface, 'warren admin');
      assert.equal(audit.json.result[0]?.actor.type, 'admin');
    });

    test('roll-key prints a new global API key: X-Auth-Email + X-Auth-Key work with it, not the old one; cert.pem tokens die, plain tokens live', async () => {
      const secrets = store?.secrets;
      assert.ok(secrets !== undefined);
      const before = await userNamed('ops@example.test');
      const oldKey = globalApiKey(secrets, before);
      const legacy = (key: string) => ({ 'x-auth-email': 'ops@example.test', 'x-auth-key': key });
      assert.equal((await api('/user', legacy(oldKey))).status, 200);
      const half = await api('/user', { 'x-auth-email': 'ops@example.test' });
      assert.equal(half.status, 401);
      assert.match(half.json.errors[0]?.message ?? '', /send both X-Auth-Email and X-Auth-Key/);
      const bound = await store?.identity.createToken({
        userId: before.id,
        name: 'cert.pem',
        policies: [],
        boundToKey: true,
      });

      const r = await admin(['roll-key', '--email', 'ops@example.test', '-o', 'json', ...where]);
      assert.equal(r.code, 0, r.stderr);
      const rolled = JSON.parse(r.stdout) as { global_api_key: string; rolled_on: string };
      assert.match(rolled.global_api_key, /^[0-9a-f]{37}$/);
      assert.notEqual(rolled.global_api_key, oldKey);
      const wrong = await api('/user', legacy(oldKey));
      assert.equal(wrong.status, 401);
      assert.match(wrong.json.errors[0]?.message ?? '', /global API key changes when the API key rolls/);
      const zones = await api<unknown[]>('/zones', legacy(rolled.global_api_key));
      assert.equal(zones.status, 200, JSON.stringify(zones.json.errors));
      const dead = await api('/user', { authorization: `Bearer ${bound?.value}` });
      assert.equal(dead.status, 401);
      assert.equal(dead.json.errors[0]?.warren_code, 'WARREN_API_KEY_ROLLED');
      assert.match(dead.json.errors[0]?.message ?? '', new RegExp(`rolled on ${rolled.rolled_on}`));
      assert.equal((await api('/user', { authorization: `Bearer ${opsToken}` })).status, 200);

      const accountId = (await store?.identity.findAccountByName('default'))?.id as string;
      const audit = await api<{ interface: string; metadata: { reason: string } }[]>(
        `/accounts/${accountId}/audit_logs?action.type=api_key_roll`,
        { authorization: `Bearer ${opsToken}` },
      );
      assert.equal(audit.json.result[0]?.interface, 'warren admin');
      assertFailed(
        await admin(['roll-key', '--email', 'ghost@example.test', ...where]),
        'WARREN_USER_NOT_FOUND',
        /ghost/,
      );
    });

    test("an invitation leaves the user's global API key alone; their own acceptance rolls it", async () => {
      const dns = await userNamed('dns@example.test');
      const before = globalApiKey((store as Store).secrets, dns);
      const legacy = (key: string) => ({ 'x-auth-email': 'dns@example.test', 'x-auth-key': key });
      /** `GET /user` with a global key: the user it names, or why not. */
      const userBy = async (key: string, why?: string) => {
        const r = await api<{ email: string }>('/user', legacy(key));
        assert.equal(r.status, 200, `${why ?? ''} ${JSON.stringify(r.json.errors)}`);
        assert.equal(r.json.result?.email, 'dns@example.test', why);
      };
      await userBy(before);
      const accountId = (await store?.identity.findAccountByName('default'))?.id as string;
      const readOnly = ROLES.find((x) => x.name === 'Administrator Read Only')?.id as string;
      const added = await api(`/accounts/${accountId}/members`, { authorization: `Bearer ${opsToken}` }, 'POST', {
        email: 'dns@example.test',
        roles: [readOnly],
      });
      assert.equal(added.status, 200, JSON.stringify(added.json.errors));
      await userBy(before, 'another account inviting must not roll the key');
      const inviteId = (added.json.result as { id: string }).id;
      const accepted = await api(`/user/invites/${inviteId}`, legacy(before), 'PATCH', { status: 'accepted' });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json.errors));
      const rolled = await api('/user', legacy(before));
      assert.equal(rolled.status, 401);
      assert.match(rolled.json.errors[0]?.message ?? '', /global API key changes when the API key rolls/);
      const after = globalApiKey((store as Store).secrets, await userNamed('dns@example.test'));
      await userBy(after);
    });
  });
}

test('warren admin --help lists its subcommands', async () => {
  const r = await admin(['--help']);
  assert.equal(r.code, 0);
  for (const sub of ['create-user', 'reset-password', 'list-users', 'roll-key'])
    assert.match(r.stdout, new RegExp(sub));
});
