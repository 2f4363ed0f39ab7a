import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { type AccessSubject, generateSigningKey, importSigningKey, signAccessJwt } from '../src/access/index.js';
import { OriginProxy } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import {
  type AccessVerifier,
  AccessVerifyError,
  type AccessVerifyErrorCode,
  createAccessVerifier,
} from '../src/verify/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import { type EdgeStreamHarness, startEdgeStreamHarness } from './support/edge-stream.js';

const TEAM = 'team-a.access.warren.localhost';
const APP_A = 'a'.repeat(64);
const APP_B = 'b'.repeat(64);
const USER: AccessSubject = { kind: 'user', email: 'alice@example.test', userId: 'u-alice' };
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('Access JWTs: warren/verify and the connector refuse every forged or misplaced token', () => {
  let h: ControlHarness;
  let accountB: string;
  let jwksUrl: string;
  let verifyA: AccessVerifier;
  let verifyB: AccessVerifier;
  let origin: Server;
  const hits: string[] = [];
  let proxy: OriginProxy;
  let edge: EdgeStreamHarness;
  const sign = async (o: { aud?: string; iss?: string; at?: Date; ttl?: number; account?: string } = {}) => {
    const key = await h.control.access.ring.signingKey(o.account ?? h.accountId);
    return signAccessJwt(key, {
      teamDomain: o.iss ?? TEAM,
      aud: o.aud ?? APP_A,
      subject: USER,
      issuedAt: o.at ?? new Date(),
      ttlSeconds: o.ttl ?? 3600,
    });
  };

  before(async () => {
    h = await startControl(DIALECTS[0] as (typeof DIALECTS)[0]);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as AddressInfo).port;
    const user = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
    accountB = (await h.store.identity.createAccount('tenant-b')).id;
    await h.store.identity.addMember(accountB, user.id, [SUPER_ADMIN_ROLE_ID]);
    await h.control.access.ring.signingKey(accountB);
    jwksUrl = `http://127.0.0.1:${port}/client/v4/accounts/${h.accountId}/access/certs`;
    verifyA = createAccessVerifier({ teamDomain: TEAM, audience: APP_A, jwksUrl, jwksCooldownMs: 0 });
    verifyB = createAccessVerifier({ teamDomain: TEAM, audience: APP_B, jwksUrl, jwksCooldownMs: 0 });
    origin = createServer((req, res) => {
      hits.push(req.headers.host ?? '');
      res.end('origin\n');
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    const service = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    proxy = new OriginProxy({
      ingress: Ingress.validate([
        {
          hostname: 'a.example.com',
          service,
          originRequest: { access: { required: true, teamName: TEAM, audTag: [APP_A], jwksUrl } },
        },
        {
          hostname: 'b.example.com',
          service,
          originRequest: { access: { required: true, teamName: TEAM, audTag: [APP_B], jwksUrl } },
        },
        { service: 'http_status:404' },
      ]),
    });
    edge = await startEdgeStreamHarness(proxy);
  });
  after(async () => {
    edge?.close();
    proxy?.close();
    origin?.closeAllConnections();
    origin?.close();
    await h?.close();
  });

  /** The token is refused by warren/verify with `code`, and by the connector with 403 before the origin. */
  async function refused(token: string, code: AccessVerifyErrorCode, host = 'a.example.com'): Promise<void> {
    const v = host === 'a.example.com' ? verifyA : verifyB;
    await assert.rejects(v.verify(token), (err: unknown) => err instanceof AccessVerifyError && err.code === code);
    const before = hits.length;
    const r = await edge.request('/', { host, 'cf-access-jwt-assertion': token });
    assert.equal(r.status, 403, `the connector refuses (${code})`);
    assert.equal(hits.length, before, 'the origin never saw the request');
  }

  test('a token the account signed for the app is accepted by warren/verify and the connector', async () => {
    const token = await sign();
    const claims = await verifyA.verify(token);
    assert.deepEqual(claims.aud, [APP_A]);
    assert.equal(claims.email, 'alice@example.test');
    assert.equal(claims.iss, `https://${TEAM}`);
    assert.equal(claims.type, 'app');
    assert.equal(claims.sub, 'u-alice');
    assert.equal(typeof claims.identity_nonce, 'string');
    const r = await edge.request('/', { host: 'a.example.com', 'cf-access-jwt-assertion': token });
    assert.equal(r.status, 200);
    assert.equal(hits.at(-1), 'a.example.com');
    // The request forms: a node-style header bag, a Fetch Headers, the cookie.
    assert.equal((await verifyA.verify({ headers: { 'cf-access-jwt-assertion': token } })).sub, 'u-alice');
    assert.equal(
      (await verifyA.verify({ headers: new Headers({ cookie: `a=b; CF_Authorization=${token}` }) })).sub,
      'u-alice',
    );
  });

  test('the JWKS is also served at /cdn-cgi/access/certs for a Host that is the team domain', async () => {
    await h.call('POST', `/accounts/${h.accountId}/access/organizations`, { name: 'A', auth_domain: TEAM });
    const byHost = await h.app.inject({
      method: 'GET',
      url: '/cdn-cgi/access/certs',
      headers: { host: `${TEAM}:8080` },
    });
    assert.equal(byHost.statusCode, 200);
    const byPath = (await (await fetch(jwksUrl)).json()) as unknown;
    assert.deepEqual(byHost.json(), byPath);
    const unknown = await h.app.inject({
      method: 'GET',
      url: '/cdn-cgi/access/certs',
      headers: { host: 'nobody.access.warren.localhost' },
    });
    assert.equal(unknown.statusCode, 404);
  });

  test('a service token JWT has no email, an empty sub and the client id as common_name', async () => {
    const key = await h.control.access.ring.signingKey(h.accountId);
    const token = await signAccessJwt(key, {
      teamDomain: TEAM,
      aud: APP_A,
      subject: { kind: 'service_token', clientId: 'abc.access' },
      issuedAt: new Date(),
      ttlSeconds: 60,
    });
    const claims = await verifyA.verify(token);
    assert.equal(claims.email, undefined);
    assert.equal(claims.sub, '');
    assert.equal(claims.common_name, 'abc.access');
  });

  test('no token at all is refused', async () => {
    await assert.rejects(
      verifyA.verify({ headers: {} }),
      (e: AccessVerifyError) => e.code === 'WARREN_ACCESS_TOKEN_MISSING',
    );
    const r = await edge.request('/', { host: 'a.example.com' });
    assert.equal(r.status, 403);
  });

  test('alg none is refused', async () => {
    const [h64, p64] = (await sign()).split('.') as [string, string];
    const kid = (JSON.parse(Buffer.from(h64, 'base64url').toString()) as { kid: string }).kid;
    await refused(`${b64({ alg: 'none', kid, typ: 'JWT' })}.${p64}.`, 'WARREN_ACCESS_TOKEN_ALG');
  });

  test('HS256 signed with the public key (algorithm confusion) is refused', async () => {
    const doc = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[]; public_cert: { cert: string } };
    const kid = doc.keys[0]?.kid ?? '';
    for (const secret of [doc.public_cert.cert, JSON.stringify(doc.keys[0])]) {
      const token = await new SignJWT({ email: 'mallory@example.test', type: 'app' })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setAudience([APP_A])
        .setIssuer(`https://${TEAM}`)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await refused(token, 'WARREN_ACCESS_TOKEN_ALG');
    }
  });

  test('a wrong aud is refused', async () => {
    await refused(await sign({ aud: 'c'.repeat(64) }), 'WARREN_ACCESS_TOKEN_AUDIENCE');
  });

  test('a wrong iss is refused', async () => {
    await refused(await sign({ iss: 'team-evil.access.warren.localhost' }), 'WARREN_ACCESS_TOKEN_ISSUER');
  });

  test('an expired token is refused', async () => {
    await refused(await sign({ at: new Date(Date.now() - 2 * 3600_000), ttl: 3600 }), 'WARREN_ACCESS_TOKEN_EXPIRED');
  });

  test('a token not valid yet is refused', async () => {
    await refused(await sign({ at: new Date(Date.now() + 3600_000) }), 'WARREN_ACCESS_TOKEN_NOT_YET_VALID');
  });

  test('an unknown kid is refused (after a refetch of the keys)', async () => {
    const m = await generateSigningKey(new Date());
    const stranger = await importSigningKey(m.kid, m.privatePkcs8);
    const token = await signAccessJwt(stranger, {
      teamDomain: TEAM,
      aud: APP_A,
      subject: USER,
      issuedAt: new Date(),
      ttlSeconds: 60,
    });
    await refused(token, 'WARREN_ACCESS_TOKEN_KEY_UNKNOWN');
  });

  test("a token signed by another account's key is refused, under its own kid or under ours", async () => {
    await refused(await sign({ account: accountB }), 'WARREN_ACCESS_TOKEN_KEY_UNKNOWN');
    const ours = (await h.control.access.ring.signingKey(h.accountId)).kid;
    const theirs = await h.control.access.ring.signingKey(accountB);
    const forged = await signAccessJwt(
      { kid: ours, privateKey: theirs.privateKey },
      { teamDomain: TEAM, aud: APP_A, subject: USER, issuedAt: new Date(), ttlSeconds: 60 },
    );
    await refused(forged, 'WARREN_ACCESS_TOKEN_SIGNATURE');
  });

  test('a token for app A presented to app B is refused', async () => {
    const token = await sign({ aud: APP_A });
    await refused(token, 'WARREN_ACCESS_TOKEN_AUDIENCE', 'b.example.com');
  });

  test('a tampered payload is refused', async () => {
    const [h64, , s64] = (await sign()).split('.') as [string, string, string];
    const now = Math.floor(Date.now() / 1000);
    const payload = b64({
      aud: [APP_A],
      email: 'mallory@example.test',
      iss: `https://${TEAM}`,
      iat: now,
      exp: now + 60,
      type: 'app',
      sub: 'x',
    });
    await refused(`${h64}.${payload}.${s64}`, 'WARREN_ACCESS_TOKEN_SIGNATURE');
  });

  test('after a rotation, tokens of the new key and of the previous key both verify', async () => {
    const old = await sign();
    const res = await h.call<{ key_rotation_interval_days: number; last_key_rotation_at: string }>(
      'POST',
      `/accounts/${h.accountId}/access/keys/rotate`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.json.result.key_rotation_interval_days, 42);
    const fresh = await sign();
    assert.notEqual(fresh.split('.')[0], old.split('.')[0], 'a new kid signs');
    assert.equal((await verifyA.verify(fresh)).sub, 'u-alice');
    assert.equal((await verifyA.verify(old)).sub, 'u-alice');
    const doc = (await (await fetch(jwksUrl)).json()) as {
      keys: { kid: string }[];
      public_cert: { kid: string };
      public_certs: unknown[];
    };
    // The current key, the next one (published ahead of its use) and the previous one (7 days).
    assert.equal(doc.keys.length, 3);
    assert.equal(doc.public_certs.length, 3);
    const kidOf = (t: string): string =>
      (JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
    assert.equal(doc.public_cert.kid, kidOf(fresh), 'public_cert is the current (signing) key');
    assert.ok(
      doc.keys.some((k) => k.kid === kidOf(old)),
      'the previous key is still listed',
    );
    for (const token of [fresh, old]) {
      const r = await edge.request('/', { host: 'a.example.com', 'cf-access-jwt-assertion': token });
      assert.equal(r.status, 200);
    }
  });
});
