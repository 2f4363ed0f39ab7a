import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { generateSigningKey, importSigningKey, jwksDocument, signAccessJwt } from '../src/access/index.js';
import {
  type AccessVerifiedRequest,
  type AccessVerifier,
  accessExpress,
  accessFastify,
  createAccessVerifier,
  withAccess,
} from '../src/verify/index.js';

const TEAM = 'mw.access.example.test';
const AUD = 'd'.repeat(64);

async function listen(s: Server): Promise<string> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('warren/verify middleware for node http, Express and Fastify', () => {
  const servers: Server[] = [];
  let verifier: AccessVerifier;
  let token: string;
  let jwksFetches = 0;

  before(async () => {
    const m = await generateSigningKey(new Date());
    const jwks = createServer((_req, res) => {
      jwksFetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwksDocument([{ kid: m.kid, publicJwk: m.publicJwk, certificate: m.certificate }])));
    });
    servers.push(jwks);
    const base = await listen(jwks);
    verifier = createAccessVerifier({ teamDomain: TEAM, audience: AUD, jwksUrl: `${base}/cdn-cgi/access/certs` });
    token = await signAccessJwt(await importSigningKey(m.kid, m.privatePkcs8), {
      teamDomain: TEAM,
      aud: AUD,
      subject: { kind: 'user', email: 'mw@example.test', userId: 'u-mw' },
      issuedAt: new Date(),
      ttlSeconds: 300,
    });
  });
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  async function check(base: string): Promise<void> {
    const okRes = await fetch(`${base}/`, { headers: { 'cf-access-jwt-assertion': token } });
    assert.equal(okRes.status, 200);
    assert.equal(await okRes.text(), 'hello mw@example.test');
    const cookie = await fetch(`${base}/`, { headers: { cookie: `CF_Authorization=${token}` } });
    assert.equal(cookie.status, 200, 'the cookie works as the header does');
    const none = await fetch(`${base}/`);
    assert.equal(none.status, 403);
    assert.deepEqual(await none.json(), { error: 'forbidden', code: 'WARREN_ACCESS_TOKEN_MISSING' });
    const forged = await fetch(`${base}/`, { headers: { 'cf-access-jwt-assertion': `${token.slice(0, -4)}AAAA` } });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { code: string }).code, 'WARREN_ACCESS_TOKEN_SIGNATURE');
  }

  test('node http: withAccess runs the handler only with verified claims', async () => {
    const s = createServer(withAccess(verifier, (_req, res, claims) => res.end(`hello ${claims.email}`)));
    servers.push(s);
    await check(await listen(s));
  });

  test('Express-style: accessExpress sets req.accessClaims and calls next', async () => {
    const mw = accessExpress(verifier);
    const s = createServer((req: IncomingMessage & AccessVerifiedRequest, res: ServerResponse) =>
      mw(req, res, () => res.end(`hello ${req.accessClaims?.email}`)),
    );
    servers.push(s);
    await check(await listen(s));
  });

  test('Fastify: accessFastify as an onRequest hook', async () => {
    const app = Fastify();
    app.addHook('onRequest', accessFastify(verifier));
    app.get('/', async (req) => `hello ${(req as AccessVerifiedRequest).accessClaims?.email}`);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await check(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    } finally {
      await app.close();
    }
  });

  test('the JWKS is fetched once and cached across requests and middlewares', () => {
    assert.equal(jwksFetches, 1);
  });
});
