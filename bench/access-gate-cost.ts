import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AccessGate, AccessKeyRing, SignInThrottle, signAccessJwt } from '../src/access/index.js';
import { AccessEdge } from '../src/edge/index.js';
import { Store } from '../src/store/index.js';

/**
 * CPU the edge's Access gate adds to one request, on one core: `AccessEdge.admit` for a
 * protected host with a valid (already verified) CF_Authorization cookie, against the same call
 * for an unprotected host (what every request pays once a gate exists) — the gate's share of
 * issue 12's "at most 15 µs more than unprotected".
 * Run: npm run build && node dist/bench/access-gate-cost.js
 */
const N = 200_000;
const WARMUP = 20_000;
const TEAM = 'bench.access.warren.localhost';

const dataDir = mkdtempSync(join(tmpdir(), 'warren-bench-gate-'));
const logger = pino({ level: 'silent' });
const store = await Store.open({ dataDir, databaseUrl: undefined, secretKey: undefined, logger });
const account = await store.identity.createAccount('bench');
const now = new Date().toISOString();
const aud = 'b'.repeat(64);
await store.access.putOrganization({
  account_id: account.id,
  auth_domain: TEAM,
  data: JSON.stringify({ name: 'bench', auth_domain: TEAM }),
  created_at: now,
  updated_at: now,
});
// An app takes effect only while an active zone of its own account owns its domain.
await store.zones.createZone({ accountId: account.id, name: 'bench.test', type: 'full', activate: true });
await store.access.insertApp({
  id: '00000000-0000-4000-8000-000000000001',
  account_id: account.id,
  domain: 'app.bench.test',
  aud,
  data: JSON.stringify({ name: 'bench app', session_duration: '24h' }),
  created_at: now,
  updated_at: now,
  tokens_revoked_at: null,
});
await store.access.insertPolicy({
  id: '00000000-0000-4000-8000-000000000002',
  account_id: account.id,
  app_id: '00000000-0000-4000-8000-000000000001',
  precedence: 1,
  data: JSON.stringify({ name: 'all', decision: 'allow', include: [{ everyone: {} }], require: [], exclude: [] }),
  created_at: now,
  updated_at: now,
});
const gate = new AccessGate(store, logger);
await gate.start();
const ring = new AccessKeyRing(store);
const edge = new AccessEdge({
  gate,
  ring,
  store,
  mailer: undefined,
  throttle: new SignInThrottle(store, 'access'),
  logger,
});
const jwt = await signAccessJwt(await ring.signingKey(account.id), {
  teamDomain: TEAM,
  aud,
  subject: { kind: 'user', email: 'bench@bench.test', userId: 'u' },
  issuedAt: new Date(),
  ttlSeconds: 3600,
});
// A request as node's parser hands it over: the fields the gate reads.
const request = (host: string, cookie: string | undefined) =>
  ({
    method: 'GET',
    headers: {
      host,
      accept: 'text/html',
      'user-agent': 'bench',
      ...(cookie === undefined ? {} : { cookie: `theme=dark; CF_Authorization=${cookie}; _ga=GA1.1.1` }),
    },
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage;
// A fresh target per request: on a protected host the gate writes the normal form of its path back.
const target = () => ({ path: '/page?x=1', authority: undefined });
const open = request('open.bench.test', undefined);
const protectedReq = request('app.bench.test', jwt);
const first = await edge.admit(protectedReq, 'app.bench.test', target(), 'http');
if (!Array.isArray(first) || first[1] !== jwt) throw new Error('the bench token was not admitted');

function measure(req: IncomingMessage, host: string): number {
  for (let i = 0; i < WARMUP; i++) edge.admit(req, host, target(), 'http');
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) edge.admit(req, host, target(), 'http');
  return Number(process.hrtime.bigint() - t) / N / 1000;
}
const unprotectedUs = measure(open, 'open.bench.test');
const protectedUs = measure(protectedReq, 'app.bench.test');
process.stdout.write(
  `gate, unprotected host: ${unprotectedUs.toFixed(2)} µs/request; valid cookie: ${protectedUs.toFixed(2)} µs/request; ` +
    `extra: ${(protectedUs - unprotectedUs).toFixed(2)} µs (${N} requests each)\n`,
);
gate.close();
await store.close();
