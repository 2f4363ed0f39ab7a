import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { apiClient } from './support/api-client.js';
import { oneLineError, runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

interface Listed {
  id: string;
  name: string;
  created_at: string;
}

const IGNORED_LINE = /^warren: --([a-z0-9-]+) does not apply here: /;

/** The flags named by "does not apply here" lines on stderr, in order. */
const ignoredFlags = (stderr: string): string[] =>
  stderr
    .split('\n')
    .map((l) => IGNORED_LINE.exec(l)?.[1])
    .filter((f): f is string => f !== undefined);

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('cloudflared command lines without an edge', () => {
  const home = tempDir('warren-dropin-');

  test('each cloudflared flag that does not apply draws one line, given before or after `run`', async () => {
    const r = await runCli(home, [
      'tunnel',
      '--no-autoupdate',
      '--autoupdate-freq',
      '24h',
      '--protocol',
      'quic',
      '--region',
      'us',
      '--post-quantum',
      '--management-diagnostics',
      'run',
      '--icmpv4-src',
      '10.0.0.1',
      '--icmpv6-src',
      '::1',
      '--no-autoupdate',
      '--credentials-contents',
      '{}',
    ]);
    assert.equal(r.code, 1);
    assert.deepEqual(ignoredFlags(r.stderr).sort(), [
      'autoupdate-freq',
      'icmpv4-src',
      'icmpv6-src',
      'management-diagnostics',
      'no-autoupdate',
      'post-quantum',
      'protocol',
      'region',
    ]);
    // The other lines: credentials on the command line are visible in ps, and they are wrong (not echoed).
    const rest = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !IGNORED_LINE.test(l));
    assert.equal(rest.length, 2);
    assert.match(rest[0] as string, /^warning: --credentials-contents is visible .* \(ps\)/);
    assert.match(rest[1] as string, /--credentials-contents lacks AccountTag.*WARREN_CONFIG_INVALID/);
  });

  test("cloudflared's spellings: flags before `tunnel`, Go's single dash, --pq, --flag=true", async () => {
    const r = await runCli(home, [
      '--no-autoupdate',
      'tunnel',
      '--pq',
      '-protocol',
      'quic',
      'run',
      '--no-autoupdate=true',
    ]);
    assert.equal(r.code, 1);
    assert.deepEqual(ignoredFlags(r.stderr).sort(), ['no-autoupdate', 'post-quantum', 'protocol']);
    assert.match(r.stderr, /tunnel run needs --token-file/);
  });

  test("cloudflared's environment names are read, and WARREN_* wins over them", { timeout: 60_000 }, async () => {
    // Bounded: were the environment not read, the connector gives up on a closed edge port.
    const edge = ['--edge', `127.0.0.1:${await closedPort()}`, '--retries', '0', '--ha-connections', '1'];
    const quick = ['tunnel', '--url', 'http://127.0.0.1:9', ...edge];
    assert.match((await runCli(home, quick, { TUNNEL_LOGLEVEL: 'nope' })).stderr, /--loglevel .*"nope"/);
    const both = await runCli(home, quick, { TUNNEL_LOGLEVEL: 'nope', WARREN_LOGLEVEL: 'never' });
    assert.match(both.stderr, /"never"/);
    assert.doesNotMatch(both.stderr, /nope/);

    assert.match((await runCli(home, quick, { TUNNEL_EDGE_IP_VERSION: '7' })).stderr, /'7'.*invalid/);
    const ip = await runCli(home, quick, { TUNNEL_EDGE_IP_VERSION: '7', WARREN_EDGE_IP_VERSION: '5' });
    assert.match(ip.stderr, /'5'.*invalid/);

    const cert = join(home, 'no-such', 'cert.pem');
    assert.ok(oneLineError(await runCli(home, ['tunnel', 'list'], { TUNNEL_ORIGIN_CERT: cert })).includes(cert));
    const other = join(home, 'elsewhere', 'cert.pem');
    const certs = oneLineError(
      await runCli(home, ['tunnel', 'list'], { TUNNEL_ORIGIN_CERT: cert, WARREN_ORIGIN_CERT: other }),
    );
    assert.ok(certs.includes(other) && !certs.includes(cert), certs);

    // A boolean set to "false" is unset, as in cloudflared.
    const on = await runCli(home, [...quick, '--loglevel', 'nope'], { NO_AUTOUPDATE: 'true' });
    assert.deepEqual(ignoredFlags(on.stderr), ['no-autoupdate']);
    const off = await runCli(home, [...quick, '--loglevel', 'nope'], { NO_AUTOUPDATE: 'false' });
    assert.deepEqual(ignoredFlags(off.stderr), []);
  });

  test('--retries N stops the connector after N+1 failed dials in a row', { timeout: 30_000 }, async () => {
    const port = await closedPort();
    const r = await runCli(home, [
      'tunnel',
      '--url',
      'http://127.0.0.1:9',
      '--edge',
      `127.0.0.1:${port}`,
      '--ha-connections',
      '1',
      '--retries',
      '1',
      '--loglevel',
      'error',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /gave up after 2 failed attempts \(--retries 1\).*WARREN_EDGE_UNREACHABLE/);
  });

  test('update says how to update an npm-installed warren', async () => {
    const r = await runCli(home, ['update']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /npm install -g warren@latest/);
  });
});

for (const dialect of DIALECTS) {
  describe(`cloudflared command lines against a real serve on ${dialect.name}`, { skip: dialect.skip }, () => {
    let serve: ServeHandle;
    let origin: TestOrigin;
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let account: string;
    const home = tempDir('warren-dropin-home-');
    const procs: Proc[] = [];
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home, args, env);
    const api = apiClient(() => serve.apiBase);
    const listed = async (args: string[]): Promise<string[]> => {
      const r = await cli(['tunnel', 'list', '-o', 'json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as Listed[]).map((t) => t.name);
    };

    before(async () => {
      db = await dialect.fresh();
      origin = await startTestOrigin();
      serve = await startServe({
        dataDir: db.dataDir,
        env: {
          WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
          WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
          ...(db.databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: db.databaseUrl }),
        },
      });
      procs.push(serve);
      account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
      await api('POST', '/zones', { account: { id: account }, name: 'example.com' });
      const login = await cli([
        'tunnel',
        'login',
        '--api',
        serve.apiBase,
        '--api-token',
        ADMIN_TOKEN,
        '--zone',
        'example.com',
      ]);
      assert.equal(login.code, 0, login.stderr);
    });
    after(async () => {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      await origin?.close();
      await db?.drop();
    });

    test('`warren tunnel --no-autoupdate run --token-file F` serves the tunnel, with pidfile, tags, label and bind address', async () => {
      assert.equal((await cli(['tunnel', 'create', 'web'])).code, 0);
      assert.equal((await cli(['tunnel', 'route', 'dns', 'web', 'app.example.com'])).code, 0);
      const token = (await cli(['tunnel', 'token', 'web'])).stdout.trim();
      const tokenFile = join(home, 'token');
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const pidfile = join(home, 'warren.pid');
      const connector = startCli(
        [
          'tunnel',
          '--no-autoupdate',
          'run',
          '--token-file',
          tokenFile,
          '--url',
          origin.url,
          '--pidfile',
          pidfile,
          '--tag',
          'env=prod',
          '--tag',
          'team=web',
          '--label',
          'blue',
          '--metrics',
          '127.0.0.1:0',
          '--edge-bind-address',
          '127.0.0.2',
          '--edge-ip-version',
          '4',
          '--loglevel',
          'warn',
        ],
        { env: { HOME: home }, cwd: home },
      );
      procs.push(connector);
      await connector.waitFor(/Tunnel [0-9a-f-]{36} is connected/);
      assert.deepEqual(ignoredFlags(connector.stderr()), ['no-autoupdate']);
      assert.equal(readFileSync(pidfile, 'utf8').trim(), String(connector.child.pid));
      const res = await eventually(async () => {
        const r = await visit(serve.httpPort, 'app.example.com', '/echo');
        return r.status === 200 ? r : undefined;
      }, 10_000);
      assert.equal(res.status, 200);

      const [, metrics] = await connector.waitFor(/Metrics server listening on (\S+)\/metrics/);
      const ready = (await (await fetch(`${metrics}/ready`)).json()) as Record<string, unknown>;
      assert.deepEqual(ready.tags, { env: 'prod', team: 'web' });
      assert.equal(ready.label, 'blue');

      const info = (await eventually(async () => {
        const r = await cli(['tunnel', 'info', '-o', 'yaml', 'web']);
        const doc = parseYaml(r.stdout) as { conns: { id: string; conns: { origin_ip: string }[] }[] };
        return doc.conns[0]?.conns.length === 4 ? doc : undefined;
      }, 10_000)) as { conns: { id: string; conns: { origin_ip: string }[] }[] };
      const connectorId = info.conns[0]?.id as string;
      // --tag reaches the edge at registration: the API's connector view and `tunnel info` show it.
      assert.deepEqual((info.conns[0] as { tags?: unknown }).tags, { env: 'prod', team: 'web' });
      assert.match((await cli(['tunnel', 'info', 'web'])).stdout, /TAGS[\s\S]*env=prod,team=web/);
      for (const c of info.conns[0]?.conns ?? []) assert.match(c.origin_ip, /127\.0\.0\.2$/);

      // The API's client_id: another connector's id closes none of this one's links.
      const tunnelId = (
        JSON.parse((await cli(['tunnel', 'list', '-o', 'json', '--name', 'web'])).stdout) as Listed[]
      )[0]?.id as string;
      const other = await api<{ connections: number; closed: number }>(
        'DELETE',
        `/accounts/${account}/cfd_tunnel/${tunnelId}/connections?client_id=00000000-0000-4000-8000-000000000000`,
      );
      assert.deepEqual([other.result.connections, other.result.closed], [0, 0]);
      const none = await cli(['tunnel', 'cleanup', '--connector-id', '00000000-0000-4000-8000-000000000000', 'web']);
      assert.match(none.stdout, /Cleaned up 0 connection\(s\) of connector/);
      const one = await cli(['tunnel', 'cleanup', '-c', connectorId, 'web']);
      assert.match(one.stdout, /Cleaned up 4 connection\(s\) of connector/);

      assert.equal(await connector.stop('SIGTERM'), 0);
      assert.equal(existsSync(pidfile), false, 'the pidfile is removed at exit');
    });

    test('TUNNEL_TOKEN=… warren tunnel --no-autoupdate run serves the tunnel, with origin flags and --log-directory', async () => {
      const token = (await cli(['tunnel', 'token', 'web'])).stdout.trim();
      const logs = tempDir('warren-dropin-logs-');
      const connector = startCli(
        ['tunnel', '--no-autoupdate', 'run', '--url', origin.url, '--http-host-header', 'origin.internal'],
        {
          env: { HOME: home, TUNNEL_TOKEN: token, TUNNEL_LOGLEVEL: 'info', TUNNEL_LOGDIRECTORY: logs },
          cwd: home,
        },
      );
      procs.push(connector);
      await connector.waitFor(/Tunnel [0-9a-f-]{36} is connected/);
      const r = await eventually(async () => {
        const v = await visit(serve.httpPort, 'app.example.com', '/echo');
        return v.status === 200 ? v : undefined;
      }, 10_000);
      assert.equal((JSON.parse(r.text) as { headers: Record<string, string> }).headers.host, 'origin.internal');
      assert.equal(await connector.stop('SIGTERM'), 0);
      assert.match(readFileSync(join(logs, 'warren.log'), 'utf8'), /registered tunnel connection/);
    });

    test('`warren tunnel --name N --url U --hostname H` creates, routes and runs; run again, it reuses N', async () => {
      for (const round of ['create', 'reuse']) {
        const connector = startCli(
          ['tunnel', '--name', 'adhoc', '--url', origin.url, '--hostname', 'adhoc.example.com', '--loglevel', 'warn'],
          { env: { HOME: home }, cwd: home },
        );
        procs.push(connector);
        await connector.waitFor(/Tunnel [0-9a-f-]{36} is connected/);
        assert.equal(/Created tunnel adhoc/.test(connector.stdout()), round === 'create', connector.stdout());
        const r = await eventually(async () => {
          const v = await visit(serve.httpPort, 'adhoc.example.com', '/echo');
          return v.status === 200 ? v : undefined;
        }, 10_000);
        assert.equal(r.status, 200);
        assert.equal(await connector.stop('SIGTERM'), 0);
      }
    });

    test('tunnel create --secret, and tunnel token --cred-file writes that secret', async () => {
      const secret = randomBytes(32).toString('base64');
      const created = await cli(['tunnel', 'create', 'sec', '--secret', secret, '-o', 'yaml']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal((parseYaml(created.stdout) as { name: string }).name, 'sec');
      const file = join(home, 'sec.json');
      assert.equal((await cli(['tunnel', 'token', 'sec', '--cred-file', file])).code, 0);
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { TunnelSecret: string }).TunnelSecret, secret);
      assert.match(oneLineError(await cli(['tunnel', 'token', 'sec', '--cred-file', file])), /WARREN_FILE_EXISTS/);
      const short = oneLineError(await cli(['tunnel', 'create', 'short', '-s', 'c2hvcnQ=']));
      assert.match(short, /--secret must be base64 of at least 32 bytes/);
      assert.ok(!short.includes('c2hvcnQ='), 'the secret is not repeated');
    });

    test('tunnel list filters by name prefix, excluded prefix and time, sorts, and prints yaml', async () => {
      for (const name of ['app-1', 'app-2', 'db_1', 'dbx1'])
        assert.equal((await cli(['tunnel', 'create', name])).code, 0);
      const yaml = await cli(['tunnel', 'list', '--name-prefix', 'app-', '-o', 'yaml']);
      assert.deepEqual(
        (parseYaml(yaml.stdout) as Listed[]).map((t) => t.name),
        ['app-1', 'app-2'],
      );
      // A prefix is literal: _ and % are not wildcards, and case counts.
      assert.deepEqual(await listed(['-np', 'db_']), ['db_1']);
      assert.deepEqual(await listed(['--name-prefix', 'APP-']), []);
      assert.deepEqual(await listed(['--name-prefix', 'app-', '--invert-sort']), ['app-2', 'app-1']);
      assert.deepEqual(await listed(['--exclude-name-prefix', 'app-', '--name-prefix', 'd']), ['db_1', 'dbx1']);
      assert.deepEqual(await listed(['-enp', 'a', '-np', 'd', '--sort-by', 'name', '--invert-sort']), ['dbx1', 'db_1']);
      assert.deepEqual(await listed(['-np', 'app-', '--max-fetch-size', '1']), ['app-1']);

      const db1 = (JSON.parse((await cli(['tunnel', 'list', '-o', 'json', '--name', 'db_1'])).stdout) as Listed[])[0];
      assert.equal((await cli(['tunnel', 'delete', 'db_1'])).code, 0);
      assert.deepEqual(await listed(['-np', 'db']), ['dbx1']);
      // It existed when it was created, so --when then lists it although it is deleted now.
      assert.ok((await listed(['-np', 'db', '--when', db1?.created_at as string])).includes('db_1'));
      assert.deepEqual(await listed(['--when', '2000-01-01T00:00:00Z']), []);
      assert.match(
        oneLineError(await cli(['tunnel', 'list', '--when', 'yesterday'])),
        /--when "yesterday" is not a time/,
      );

      const viaApi = await api<Listed[]>(
        'GET',
        `/accounts/${account}/cfd_tunnel?name_prefix=app-&exclude_prefix=app-2&is_deleted=false`,
      );
      assert.deepEqual(
        viaApi.result.map((t) => t.name),
        ['app-1'],
      );
    });
  });
}
