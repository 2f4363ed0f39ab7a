import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { oneLineError, runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import type { RecordResult, TunnelResult } from './support/control-types.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

const SUPER_ADMIN = '33666b9c79b9a5273fc7344ff42f953d';
const ADMINISTRATOR = '05784afa30c1afe1440e79d9351c7430';

for (const dialect of DIALECTS) {
  describe(`warren login and tunnel management from the CLI on ${dialect.name}`, { skip: dialect.skip }, () => {
    let serve: ServeHandle;
    let origin: TestOrigin;
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let account: string;
    let zoneId: string;
    let otherAccount: string;
    let otherOwner: string;
    const home = tempDir('warren-home-');
    const certPath = join(home, '.warren', 'cert.pem');
    const procs: Proc[] = [];
    const api = <R>(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
      apiClient(() => serve.apiBase, token)<R>(method, path, body);
    const login = (h = home, token = ADMIN_TOKEN, extra: string[] = []) =>
      runCli(h, ['login', '--api', serve.apiBase, '--zone', 'example.com', ...extra], { WARREN_API_TOKEN: token });

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
      zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: account }, name: 'example.com' })).result
        .id;
      // A second super administrator (a service user: no invitation to accept), so the first one's role can be changed later.
      const second = await api('POST', `/accounts/${account}/service_users`, { name: 'ops', roles: [SUPER_ADMIN] });
      assert.equal(second.success, true);
      // Another account, run by a service user, which the admin then leaves (to be made its admin later).
      otherAccount = (await api<{ id: string }>('POST', '/accounts', { name: 'other' })).result.id;
      otherOwner = (
        await api<{ token: { value: string } }>('POST', `/accounts/${otherAccount}/service_users`, {
          name: 'owner',
          roles: [SUPER_ADMIN],
        })
      ).result.token.value;
      const mine = (
        await api<{ id: string; user: { email: string } }[]>('GET', `/accounts/${otherAccount}/members`)
      ).result.find((m) => m.user.email === ADMIN_EMAIL)?.id as string;
      assert.equal((await api('DELETE', `/accounts/${otherAccount}/members/${mine}`)).success, true);
    });
    after(async () => {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      await origin?.close();
      await db?.drop();
    });

    test('management commands without cert.pem say to run warren login', async () => {
      const line = oneLineError(await runCli(home, ['tunnel', 'list']));
      assert.match(line, /no cert\.pem at .*run `warren login` first.*WARREN_ORIGIN_CERT_MISSING/);
    });

    test('headless login writes cert.pem (0600) with the zone certificate, its key and the token block', async () => {
      const r = await login();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /successfully logged in/);
      assert.equal(statSync(certPath).mode & 0o777, 0o600);
      const pem = readFileSync(certPath, 'utf8');
      assert.match(pem, /-----BEGIN CERTIFICATE-----/);
      assert.match(pem, /-----BEGIN PRIVATE KEY-----/);
      const token = /-----BEGIN ARGO TUNNEL TOKEN-----\n([\s\S]+?)-----END ARGO TUNNEL TOKEN-----/.exec(pem)?.[1];
      assert.ok(token);
      const t = JSON.parse(Buffer.from(token.replace(/\s+/g, ''), 'base64').toString('utf8')) as Record<string, string>;
      assert.equal(t.zoneID, zoneId);
      assert.equal(t.accountID, account);
      assert.equal(t.apiURL, serve.apiBase);
      assert.equal(t.edge, `127.0.0.1:${serve.tunnelPort}`);
      assert.ok((t.apiToken ?? '').length >= 20);
      const cert = new X509Certificate(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? '',
      );
      assert.equal(cert.subjectAltName, 'DNS:example.com, DNS:*.example.com');
      const root = new X509Certificate(readFileSync(join(home, '.warren', 'origin-ca-root.pem')));
      assert.ok(cert.verify(root.publicKey), 'signed by the origin CA root');
      assert.equal(
        readFileSync(join(home, '.warren', 'edge-ca.pem'), 'utf8').trim(),
        readFileSync(serve.caPath, 'utf8').trim(),
      );
      const again = oneLineError(await login());
      assert.match(again, /already exists; .*--force.*WARREN_FILE_EXISTS/);
    });

    test('create → route dns → run by name → a visitor request reaches the origin; list and info show the connector', async () => {
      const created = await runCli(home, ['tunnel', 'create', 'web']);
      assert.equal(created.code, 0, created.stderr);
      const id = /Created tunnel web with id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
      assert.ok(id);
      const credPath = join(home, '.warren', `${id}.json`);
      assert.equal(statSync(credPath).mode & 0o777, 0o400);
      const creds = JSON.parse(readFileSync(credPath, 'utf8')) as Record<string, string>;
      assert.deepEqual(Object.keys(creds).sort(), ['AccountTag', 'Endpoint', 'TunnelID', 'TunnelName', 'TunnelSecret']);
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'create', 'web'])),
        /already exists.*WARREN_API_CONFLICT/,
      );

      const routed = await runCli(home, ['tunnel', 'route', 'dns', 'web', 'app.example.com']);
      assert.equal(routed.code, 0, routed.stderr);
      assert.match(routed.stdout, /Added CNAME app\.example\.com which will route to this tunnel tunnelID=/);
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'route', 'dns', 'web', 'example.com'])),
        /apex.*WARREN_ROUTE_APEX/,
      );
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'route', 'dns', 'web', 'app.elsewhere.org'])),
        /not inside any zone of this account.*WARREN_ROUTE_FOREIGN_ZONE/,
      );
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'route', 'dns', 'web', 'app.example.com.elsewhere.org'])),
        /WARREN_ROUTE_FOREIGN_ZONE/,
      );

      // No --edge, no --edge-ca: cert.pem names the edge, ~/.warren/edge-ca.pem pins it.
      const connector = startCli(['tunnel', 'run', '--url', origin.url, '--loglevel', 'warn', 'web'], {
        env: { HOME: home },
        cwd: home,
      });
      procs.push(connector);
      await connector.waitFor(/Tunnel [0-9a-f-]{36} is connected/);
      const res = (await eventually(
        async () => {
          const r = await visit(serve.httpPort, 'app.example.com', '/echo');
          return r.status === 200 ? r : undefined;
        },
        10_000,
        'the origin answers through the tunnel',
      )) as Awaited<ReturnType<typeof visit>>;
      assert.equal((JSON.parse(res.text) as { headers: Record<string, string> }).headers.host, 'app.example.com');

      const list = (await eventually(
        async () => {
          const r = await runCli(home, ['tunnel', 'list']);
          return /4x\S+/.test(r.stdout) ? r : undefined;
        },
        10_000,
        'list shows 4 connections',
      )) as Awaited<ReturnType<typeof runCli>>;
      assert.match(list.stdout, /ID\s+NAME\s+CREATED\s+CONNECTIONS/);
      assert.match(list.stdout, new RegExp(`${id}\\s+web\\s+\\S+\\s+4x\\S+`));
      const json = JSON.parse(
        (await runCli(home, ['tunnel', 'list', '-o', 'json', '--name', 'web'])).stdout,
      ) as TunnelResult[];
      assert.deepEqual(
        json.map((t) => t.id),
        [id],
      );
      const info = await runCli(home, ['tunnel', 'info', 'web']);
      assert.match(info.stdout, /CONNECTOR ID\s+CREATED\s+ARCHITECTURE\s+VERSION\s+ORIGIN IP\s+EDGE/);
      assert.match(info.stdout, /[0-9a-f-]{36}\s+\S+\s+\S+_\S+\s+\S+\s+127\.0\.0\.1\s+4x\S+/);
      const token = await runCli(home, ['tunnel', 'token', id]);
      assert.equal(JSON.parse(Buffer.from(token.stdout.trim(), 'base64').toString('utf8')).t, id);
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'delete', 'web'])),
        /active connection.*-f.*WARREN_TUNNEL_CONNECTED/,
      );
    });

    test('a role change rolls the key: the next CLI call names the roll date and says to log in again; a fresh login works', async () => {
      const members = (await api<{ id: string; user: { email: string } }[]>('GET', `/accounts/${account}/members`))
        .result;
      const me = members.find((m) => m.user.email === ADMIN_EMAIL)?.id as string;
      assert.equal((await api('PUT', `/accounts/${account}/members/${me}`, { roles: [ADMINISTRATOR] })).success, true);
      const line = oneLineError(await runCli(home, ['tunnel', 'list']));
      assert.match(line, /was rolled on \d{4}-\d\d-\d\dT/);
      assert.match(line, /run "warren login" again, or use a service user/);
      assert.match(line, /WARREN_API_KEY_ROLLED/);
      const relogin = await login(home, ADMIN_TOKEN, ['--force']);
      assert.equal(relogin.code, 0, relogin.stderr);
      const list = await runCli(home, ['tunnel', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /\sweb\s/);
    });

    test("another account's invitation leaves cert.pem working; accepting it rolls the key, not a service user's", async () => {
      const svc = await api<{ token: { value: string } }>('POST', `/accounts/${account}/service_users`, {
        name: 'deploy',
        roles: [ADMINISTRATOR],
      });
      const svcHome = tempDir('warren-svc-');
      assert.equal((await login(svcHome, svc.result.token.value)).code, 0);
      // The other account's owner makes the admin an administrator there.
      const added = await api<{ id: string; status: string }>(
        'POST',
        `/accounts/${otherAccount}/members`,
        { email: ADMIN_EMAIL, roles: [ADMINISTRATOR] },
        otherOwner,
      );
      assert.equal(added.success, true);
      assert.equal(added.result.status, 'pending');
      const still = await runCli(home, ['tunnel', 'list']);
      assert.equal(still.code, 0, `an invitation must not break cert.pem: ${still.stderr}`);
      const accepted = await api('PUT', `/memberships/${added.result.id}`, { status: 'accepted' });
      assert.equal(accepted.success, true);
      const line = oneLineError(await runCli(home, ['tunnel', 'list']));
      assert.match(line, /rolled on .*WARREN_API_KEY_ROLLED/);
      const svcList = await runCli(svcHome, ['tunnel', 'list']);
      assert.equal(svcList.code, 0, svcList.stderr);
      assert.equal((await login(home, ADMIN_TOKEN, ['--force'])).code, 0);
    });

    test('a tampered cert.pem and a revoked certificate each fail with a clear error', async () => {
      const good = readFileSync(certPath, 'utf8');
      const tampered = join(home, 'tampered.pem');
      writeFileSync(
        tampered,
        good.replace(/(ARGO TUNNEL TOKEN-----\n)(.)/, (_m, a: string, c: string) => `${a}${c === 'A' ? 'B' : 'A'}!`),
      );
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'list', '--origincert', tampered])),
        /tampered\.pem is not a usable cert\.pem .*warren login --force.*WARREN_ORIGIN_CERT_INVALID/,
      );
      writeFileSync(tampered, good.replace(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/, ''));
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'list', '--origincert', tampered])),
        /no PRIVATE KEY block/,
      );

      const serial = new X509Certificate(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(good)?.[0] ?? '',
      ).serialNumber.toLowerCase();
      const revoked = await api<{ revoked_at: string }>('DELETE', `/certificates/${serial}`);
      assert.equal(revoked.success, true);
      const line = oneLineError(await runCli(home, ['tunnel', 'list']));
      assert.match(line, /origin certificate .* was revoked on .*run "warren login" again.*WARREN_CERT_REVOKED/);
      const listed = (await api<{ id: string; revoked_at: string | null }[]>('GET', `/certificates?zone_id=${zoneId}`))
        .result;
      assert.ok(
        listed.some((c) => c.id === serial && c.revoked_at !== null),
        'revoked certificates stay listed',
      );
      assert.equal((await login(home, ADMIN_TOKEN, ['--force'])).code, 0);
    });

    test('route delete removes a tunnel route only; delete -f --cleanup-dns leaves no orphan CNAME', async () => {
      assert.equal((await runCli(home, ['tunnel', 'route', 'dns', 'web', 'api.example.com'])).code, 0);
      const del = await runCli(home, ['tunnel', 'route', 'delete', 'api.example.com']);
      assert.equal(del.code, 0, del.stderr);
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'route', 'delete', 'api.example.com'])),
        /WARREN_API_NOT_FOUND/,
      );
      await api('POST', `/zones/${zoneId}/dns_records`, { type: 'A', name: 'plain.example.com', content: '192.0.2.1' });
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'route', 'delete', 'plain.example.com'])),
        /not a tunnel route.*WARREN_API_INVALID/,
      );
      const r = await runCli(home, ['tunnel', 'delete', '-f', '--cleanup-dns', 'web']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Deleted DNS route app\.example\.com/);
      const records = (await api<RecordResult[]>('GET', `/zones/${zoneId}/dns_records?type=CNAME`)).result;
      assert.deepEqual(records, []);
      const deleted = await runCli(home, ['tunnel', 'list', '--show-deleted']);
      assert.match(deleted.stdout, /ID\s+NAME\s+CREATED\s+DELETED\s+CONNECTIONS/);
      assert.match(
        oneLineError(await runCli(home, ['tunnel', 'info', 'web'])),
        /no tunnel named "web".*WARREN_TUNNEL_NOT_FOUND/,
      );
    });

    test('every management command has --help', async () => {
      for (const args of [
        ['login'],
        ['tunnel', 'create'],
        ['tunnel', 'list'],
        ['tunnel', 'info'],
        ['tunnel', 'delete'],
        ['tunnel', 'cleanup'],
        ['tunnel', 'token'],
        ['tunnel', 'route', 'dns'],
        ['tunnel', 'route', 'delete'],
      ]) {
        const r = await runCli(home, [...args, '--help']);
        assert.equal(r.code, 0, args.join(' '));
        assert.match(r.stdout, /Usage: warren/);
      }
    });
  });
}
