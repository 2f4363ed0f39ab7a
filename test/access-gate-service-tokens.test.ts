import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createAccessVerifier } from '../src/verify/index.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'svc.access.warren.localhost';

describe('Access gate at the edge: service tokens, bypass, paths, upgrades', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let port: number;
  const apps: Record<string, { id: string; aud: string }> = {};
  let token: { id: string; client_id: string; client_secret: string };
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture();
    port = f.serve.httpPort;
    for (const h of ['api.example.com', 'people.example.com', 'public.example.com', 'paths.example.com']) {
      await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: h });
    }
    await f.api('POST', acc('/organizations'), { name: 'Svc', auth_domain: TEAM });
    token = (await f.api<typeof token>('POST', acc('/service_tokens'), { name: 'ci' })).result;
    const app = async (name: string, domain: string, policy: Record<string, unknown>) => {
      const a = (await f.api<{ id: string; aud: string }>('POST', acc('/apps'), { name, domain })).result;
      await f.api('POST', acc(`/apps/${a.id}/policies`), { name: `${name} policy`, ...policy });
      apps[name] = a;
    };
    await app('api', 'api.example.com', {
      decision: 'non_identity',
      include: [{ service_token: { token_id: token.id } }],
    });
    await app('people', 'people.example.com', { decision: 'allow', include: [{ everyone: {} }] });
    await app('public', 'public.example.com', { decision: 'bypass', include: [{ everyone: {} }] });
    await app('admin', 'paths.example.com/admin', { decision: 'allow', include: [{ email: { email: 'a@x.test' } }] });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(
      async () => (await visit(port, 'paths.example.com', '/admin')).status === 302,
      10_000,
      'gate loaded',
    );
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
  });

  const withToken = (secret = token.client_secret) => ({
    'cf-access-client-id': token.client_id,
    'cf-access-client-secret': secret,
  });

  test('a service token gets in where a non_identity policy names it, with a service-token JWT', async () => {
    const r = await visit(port, 'api.example.com', '/echo', { headers: withToken() });
    assert.equal(r.status, 200, r.text);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-authenticated-user-email'], undefined);
    const verifier = createAccessVerifier({
      teamDomain: TEAM,
      audience: apps.api?.aud as string,
      jwksUrl: `${f.serve.apiBase}/client/v4/accounts/${f.accountId}/access/certs`,
    });
    const claims = await verifier.verify(seen.headers['cf-access-jwt-assertion'] as string);
    assert.equal(claims.common_name, token.client_id);
    assert.equal(claims.sub, '');
    assert.equal(claims.email, undefined);
    const again = await visit(port, 'api.example.com', '/echo', { headers: withToken() });
    const seen2 = JSON.parse(again.text) as { headers: Record<string, string> };
    assert.equal(
      seen2.headers['cf-access-jwt-assertion'],
      seen.headers['cf-access-jwt-assertion'],
      'minted once, reused',
    );
  });

  test('a service token is not an identity: an allow policy (even everyone) does not let it in', async () => {
    const r = await visit(port, 'people.example.com', '/echo', { headers: withToken() });
    assert.equal(r.status, 302);
    assert.match(String(r.headers.location), /\/cdn-cgi\/access\/login\/people\.example\.com\?/, 'to the login');
    const wrong = await visit(port, 'api.example.com', '/echo', { headers: withToken('not-the-secret') });
    assert.equal(wrong.status, 302);
    assert.match(String(wrong.headers.location), /\/cdn-cgi\/access\/login\/api\.example\.com\?/, 'to the login');
  });

  test('bypass lets everyone through without an identity header', async () => {
    const r = await visit(port, 'public.example.com', '/echo', {
      headers: { 'cf-access-jwt-assertion': 'forged', 'cf-access-authenticated-user-email': 'x@evil.test' },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-jwt-assertion'], undefined);
    assert.equal(seen.headers['cf-access-authenticated-user-email'], undefined);
  });

  test('a path-scoped app cannot be skirted with dot segments, escapes or case', async () => {
    const outside = await visit(port, 'paths.example.com', '/other');
    assert.equal(outside.status, 200, 'outside the app: the origin answers');
    assert.equal(outside.text, 'hello, world\n', "the origin's own body");
    for (const p of ['/admin', '/admin/', '/x/../admin', '/%61dmin/users', '/ADMIN', '//admin', '/admin?q=1']) {
      const r = await visit(port, 'paths.example.com', p);
      assert.equal(r.status, 302, p);
      assert.match(String(r.headers.location), /\/cdn-cgi\/access\/login\/paths\.example\.com\?/, p);
    }
  });

  test('a WebSocket upgrade to a protected host without a session is refused before the origin', async () => {
    const before = origin.seen.length;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: 'people.example.com' } });
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the upgrade went through')));
      ws.once('error', reject);
    });
    assert.equal(status, 302);
    ws.terminate();
    assert.equal(origin.seen.length, before);
    const svc = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: 'api.example.com', ...withToken() } });
    await new Promise<void>((resolve, reject) => {
      svc.once('open', () => resolve());
      svc.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    });
    svc.close();
  });

  test("a service token's first use per session is one allowed login in the access request log, not one per request", async () => {
    type Row = { connection: string; app_uid: string; allowed: boolean; user_email: string };
    const rows = async () =>
      (await f.api<Row[]>('GET', `${acc('/logs/access_requests')}?limit=1000`)).result.filter(
        (e) => e.connection === 'service_token' && e.app_uid === apps.api?.id,
      );
    assert.equal((await visit(port, 'api.example.com', '/echo', { headers: withToken() })).status, 200);
    const first = await eventually(async () => ((await rows()).length > 0 ? rows() : undefined), 10_000, 'logged');
    assert.equal(first.length, 1);
    assert.equal(first[0]?.allowed, true);
    for (let i = 0; i < 3; i++) await visit(port, 'api.example.com', '/echo', { headers: withToken() });
    assert.equal((await rows()).length, 1, 'the session JWT is reused, so no new entry');
  });

  test('a deleted service token is refused at once', async () => {
    assert.equal((await visit(port, 'api.example.com', '/echo', { headers: withToken() })).status, 200);
    const del = await f.api('DELETE', acc(`/service_tokens/${token.id}`));
    assert.ok(del.success);
    // The gate reloads from the change feed when the delete commits (here, and on other edges through
    // LISTEN/NOTIFY): a short bound, no per-request database read.
    await eventually(
      async () => (await visit(port, 'api.example.com', '/echo', { headers: withToken() })).status === 302,
      2_000,
      'deleted token refused',
    );
  });
});
