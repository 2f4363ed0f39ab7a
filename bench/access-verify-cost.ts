import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, importSigningKey, jwksDocument, signAccessJwt } from '../src/access/index.js';
import { createAccessVerifier } from '../src/verify/index.js';

/**
 * CPU cost of one Access JWT signature and one `warren/verify` check (JWKS cached), on one core:
 * what the edge's gate pays per uncached session, and what an origin pays per request.
 * Run: npm run build && node dist/bench/access-verify-cost.js
 */
const TEAM = 'bench.access.example.test';
const AUD = 'a'.repeat(64);
const WARMUP = 500;
const VERIFY_N = 5_000;
const SIGN_N = 1_000;

const m = await generateSigningKey(new Date());
const jwks = createServer((_req, res) =>
  res.end(JSON.stringify(jwksDocument([{ kid: m.kid, publicJwk: m.publicJwk, certificate: m.certificate }]))),
);
jwks.listen(0, '127.0.0.1');
await once(jwks, 'listening');
const verifier = createAccessVerifier({
  teamDomain: TEAM,
  audience: AUD,
  jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/cdn-cgi/access/certs`,
});
const key = await importSigningKey(m.kid, m.privatePkcs8);
const sign = () =>
  signAccessJwt(key, {
    teamDomain: TEAM,
    aud: AUD,
    subject: { kind: 'user', email: 'bench@example.test', userId: 'u' },
    issuedAt: new Date(),
    ttlSeconds: 600,
  });
const token = await sign();
for (let i = 0; i < WARMUP; i++) await verifier.verify(token);
let t = process.hrtime.bigint();
for (let i = 0; i < VERIFY_N; i++) await verifier.verify(token);
const verifyUs = Number(process.hrtime.bigint() - t) / VERIFY_N / 1000;
t = process.hrtime.bigint();
for (let i = 0; i < SIGN_N; i++) await sign();
const signUs = Number(process.hrtime.bigint() - t) / SIGN_N / 1000;
process.stdout.write(
  `verify: ${verifyUs.toFixed(1)} µs/token (${VERIFY_N}), sign: ${signUs.toFixed(1)} µs/token (${SIGN_N})\n`,
);
jwks.close();
