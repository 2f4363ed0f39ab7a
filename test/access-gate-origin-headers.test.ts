import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type PythonOrigin, startWsgiOrigin } from './support/python-origins.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const OPEN = 'open.example.com';
const API = 'api.example.com';

/** Forged copies of headers the edge owns, spelled with `_`, which WSGI and CGI read as the real ones. */
const FORGED = {
  Cf_Access_Authenticated_User_Email: 'ceo@victim.test',
  Cf_Access_Jwt_Assertion: 'forged.jwt.value',
  Cf_Connecting_Ip: '203.0.113.66',
  X_Forwarded_For: '203.0.113.66',
  X_Forwarded_Proto: 'https',
  Cf_Ray: 'forged-ray',
  Cf_Visitor: '{"scheme":"https"}',
  CF_WARP_TAG_ID: 'forged',
  'cf_access-authenticated_user-email': 'mixed@victim.test',
};

describe('Access gate: what a WSGI origin (wsgiref) reads as the edge headers', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let wsgi: PythonOrigin;
  let connector: Proc;
  let port: number;
  let token: { id: string; client_id: string; client_secret: string };

  before(async () => {
    wsgi = await startWsgiOrigin();
    f = await startNamedTunnelFixture();
    port = f.serve.httpPort;
    for (const h of [OPEN, API]) {
      await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: h });
    }
    const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;
    await f.api('POST', acc('/organizations'), { name: 'Team', auth_domain: 'team.access.warren.localhost' });
    token = (await f.api<typeof token>('POST', acc('/service_tokens'), { name: 'ci' })).result;
    const app = (await f.api<{ id: string }>('POST', acc('/apps'), { name: 'api', domain: API })).result;
    await f.api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'ci',
      decision: 'non_identity',
      include: [{ service_token: { token_id: token.id } }],
    });
    connector = f.run(['--token', f.token, '--url', wsgi.url]);
    await untilConnectors(f, 1);
    await eventually(async () => (await visit(port, API, '/')).status === 302, 10_000, 'app protected');
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await wsgi?.close();
  });

  const environOf = async (host: string, headers: Record<string, string>): Promise<Record<string, string>> => {
    const r = await visit(port, host, '/', { headers });
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text) as Record<string, string>;
  };

  test('underscore spellings of edge-owned headers never reach the origin, protected or not', async () => {
    const creds = { 'CF-Access-Client-Id': token.client_id, 'CF-Access-Client-Secret': token.client_secret };
    for (const [host, extra] of [
      [OPEN, {}],
      [API, creds],
    ] as const) {
      const env = await environOf(host, { ...FORGED, ...extra });
      assert.equal(env.HTTP_CF_CONNECTING_IP, '127.0.0.1', `${host}: ${JSON.stringify(env)}`);
      assert.equal(env.HTTP_X_FORWARDED_FOR, '127.0.0.1');
      assert.equal(env.HTTP_X_FORWARDED_PROTO, 'http');
      assert.equal(env.HTTP_CF_VISITOR, '{"scheme":"http"}');
      assert.match(env.HTTP_CF_RAY ?? '', /^[0-9a-f]{16}-/);
      assert.notEqual(env.HTTP_CF_WARP_TAG_ID, 'forged');
      assert.equal(env.HTTP_CF_ACCESS_AUTHENTICATED_USER_EMAIL, undefined, 'a service token has no e-mail');
      if (host === OPEN) assert.equal(env.HTTP_CF_ACCESS_JWT_ASSERTION, undefined);
      else assert.match(env.HTTP_CF_ACCESS_JWT_ASSERTION ?? '', /^eyJ[^,]+$/, 'only the edge’s JWT');
    }
  });

  test('service-token credentials are spent at the gate: the origin behind it never sees them, in any spelling', async () => {
    const env = await environOf(API, {
      'CF-Access-Client-Id': token.client_id,
      'CF-Access-Client-Secret': token.client_secret,
      Cf_Access_Client_Secret: token.client_secret,
      'cf-access_client-id': token.client_id,
    });
    assert.ok(env.HTTP_CF_ACCESS_JWT_ASSERTION !== undefined, 'the gate let the service token in');
    assert.equal(env.HTTP_CF_ACCESS_CLIENT_ID, undefined, JSON.stringify(env));
    assert.equal(env.HTTP_CF_ACCESS_CLIENT_SECRET, undefined);
    assert.ok(!JSON.stringify(env).includes(token.client_secret), 'the secret is nowhere in what the origin got');
    // On a host without an app the gate used nothing: they are the visitor's own headers for the origin.
    const open = await environOf(OPEN, { 'CF-Access-Client-Id': 'x', 'CF-Access-Client-Secret': 'y' });
    assert.equal(open.HTTP_CF_ACCESS_CLIENT_ID, 'x');
    assert.equal(open.HTTP_CF_ACCESS_CLIENT_SECRET, 'y');
  });
});
