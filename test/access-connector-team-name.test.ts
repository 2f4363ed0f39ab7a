import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Connector } from '../src/connector/index.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, tempDir } from './support/warren-processes.js';

// Issue 20: `teamName: myteam` as cloudflared's docs write it, with no other setting. The edge
// sends D at registration and the account's keys over the link: no public HTTPS anywhere here
// (an HTTPS fetch of https://myteam.access.warren.test/… would fail), yet tokens verify.
const D = 'warren.test';
const TEAM = `myteam.access.${D}`;
const OTHER_TEAM = `otherteam.access.${D}`;

describe('connector access rule with a short teamName', { timeout: 90_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc | undefined;
  let token: { id: string; client_id: string; client_secret: string };
  const acc = (a: string, p: string) => `/accounts/${a}/access${p}`;
  const saved = process.env.WARREN_DOMAIN;

  before(async () => {
    delete process.env.WARREN_DOMAIN; // the connector must learn D from its edge, not from here
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture(['--domain', D]);
    const a = f.accountId;
    await f.api('POST', acc(a, '/organizations'), { name: 'Team', auth_domain: TEAM });
    token = (await f.api<typeof token>('POST', acc(a, '/service_tokens'), { name: 'ci' })).result;
    // The edge's app covers /admin only: other paths reach the connector without any token.
    const app = (
      await f.api<{ id: string; aud: string }>('POST', acc(a, '/apps'), {
        name: 'Admin',
        domain: 'app.example.com/admin',
      })
    ).result;
    await f.api('POST', acc(a, `/apps/${app.id}/policies`), {
      name: 'ci',
      decision: 'non_identity',
      include: [{ service_token: { token_id: token.id } }],
    });
    // Another account with its own team: its keys must never reach this tunnel's connector.
    const other = (await f.api<{ id: string }>('POST', '/accounts', { name: 'other' })).result.id;
    const o = await f.api('POST', acc(other, '/organizations'), { name: 'Other', auth_domain: OTHER_TEAM });
    assert.equal(o.success, true, JSON.stringify(o));
    const config = join(tempDir(), 'config.yml');
    writeFileSync(
      config,
      `ingress:
  - hostname: app.example.com
    service: ${origin.url}
    originRequest:
      access:
        required: true
        teamName: myteam
        audTag: [${app.aud}]
  - service: http_status:404
`,
    );
    connector = f.run(['--config', config, '--token', f.token]);
    await untilConnectors(f, 1);
    await eventually(
      async () => (await visit(f.serve.httpPort, 'app.example.com', '/admin/x')).status !== 200,
      10_000,
      'the edge protects /admin',
    );
  });
  after(async () => {
    if (saved !== undefined) process.env.WARREN_DOMAIN = saved;
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
  });

  test('team-name-short-form-valid-jwt-reaches-origin-over-link-keys', async () => {
    const creds = { 'CF-Access-Client-Id': token.client_id, 'CF-Access-Client-Secret': token.client_secret };
    const r = await visit(f.serve.httpPort, 'app.example.com', '/admin/echo', { headers: creds });
    assert.equal(r.status, 200, r.text);
    const seen = origin.seen.at(-1);
    assert.equal(seen?.url, '/admin/echo');
    assert.ok(typeof seen?.headers['cf-access-jwt-assertion'] === 'string', 'the origin got the verified JWT');
  });

  test('team-name-short-form-request-without-jwt-gets-403-from-connector', async () => {
    const before = origin.seen.length;
    const r = await visit(f.serve.httpPort, 'app.example.com', '/echo');
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /requires a valid Cloudflare Access token/);
    const forged = await visit(f.serve.httpPort, 'app.example.com', '/echo', {
      headers: { 'Cf-Access-Jwt-Assertion': 'eyJhbGciOiJSUzI1NiJ9.e30.AAAA' },
    });
    assert.equal(forged.status, 403, forged.text);
    assert.equal(origin.seen.length, before, 'nothing reached the origin');
  });

  test('access-keys-frame-answers-own-team-and-refuses-another-accounts-team', async () => {
    const t = JSON.parse(Buffer.from(f.token, 'base64').toString('utf8')) as { a: string; t: string; s: string };
    const c = new Connector({
      edge: { host: '127.0.0.1', port: f.serve.tunnelPort },
      ca: readFileSync(f.serve.caPath, 'utf8'),
      credentials: { accountTag: t.a, tunnelId: t.t, secret: Buffer.from(t.s, 'base64') },
      haConnections: 1,
      handle: (stream) => stream.reset('WARREN_PROTOCOL', 'not serving'),
      logger: pino({ level: 'silent' }),
    });
    const running = c.run();
    try {
      await eventually(() => c.accessDomain !== undefined, 10_000, 'registered with an access-keys edge');
      assert.equal(c.accessDomain, D, 'the edge sent its service domain at registration');
      const own = await c.accessKeys(TEAM);
      const res = await fetch(`${f.serve.apiBase}/client/v4${acc(f.accountId, '/certs')}`);
      const published = (await res.json()) as { keys: { kid: string }[] };
      assert.ok(own !== undefined && own.keys.length > 0);
      assert.deepEqual(
        (own.keys as { kid: string }[]).map((k) => k.kid),
        published.keys.map((k) => k.kid),
        "the link answers the account's published JWKS",
      );
      await assert.rejects(async () => c.accessKeys(OTHER_TEAM), /not the Access team domain of this tunnel's account/);
      await assert.rejects(async () => c.accessKeys(`nosuch.access.${D}`), /not the Access team domain/);
    } finally {
      await c.shutdown(1_000);
      await running;
    }
  });
});
