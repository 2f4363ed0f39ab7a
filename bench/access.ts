/**
 * The Access row: the same c=50 load of 13-byte GETs through one warren edge and one named tunnel,
 * to an unprotected hostname and to an Access-protected one with a valid CF_Authorization cookie,
 * in slices alternating between the two, so the ratio is what the gate costs (issue 12 aims ≥ 0.90).
 * `npm run bench -- --only access` runs just this pair.
 *
 * The cookie is a token signed with the account's current Access key, read from the edge's data
 * directory: what a login hands out, without driving a login.
 */
import pino from 'pino';
import { AccessKeyRing, signAccessJwt } from '../src/access/index.js';
import { Store } from '../src/store/index.js';
import { type LoadResult, type LoadSpec, mergeLoads } from './lib/load.js';
import { get, LOOPBACK, type Target, waitForOk } from './lib/net.js';
import { type Child, spawnChild, treeCpuSeconds } from './lib/proc.js';
import type { PeerContext } from './peers/peer.js';
import { startEdge } from './peers/warren.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123';
const TEAM_NAME = 'bench';
const ZONE = 'example.com';
const OPEN_HOST = 'open.example.com';
const APP_HOST = 'app.example.com';

export interface AccessBenchResult {
  connections: number;
  slices: number;
  /** Both loads, all slices merged. */
  unprotected: LoadResult;
  protected: LoadResult;
  /** protected req/s ÷ unprotected req/s. */
  ratio: number;
  /** The edge's CPU per request (µs) on each side; the difference is the gate's cost with the proxying around it. */
  edgeCpuUs: { unprotected: number; protected: number };
}

interface Envelope<R> {
  success: boolean;
  result: R;
  errors?: unknown;
}

export async function runAccessBench(
  ctx: PeerContext,
  o: { warmupS: number; durationS: number; slices: number; load: (s: LoadSpec) => Promise<LoadResult> },
): Promise<AccessBenchResult> {
  const edge = await startEdge(ctx, 'warren-access-serve', [], 'access-edge', {
    WARREN_ADMIN_EMAIL: 'bench@example.com',
    WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  let connector: Child | undefined;
  try {
    const api = async <R>(method: string, path: string, body?: unknown): Promise<R> => {
      const res = await fetch(`http://${LOOPBACK}:${edge.apiPort}/client/v4${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const e = (await res.json()) as Envelope<R>;
      if (!e.success) throw new Error(`${method} ${path}: ${JSON.stringify(e.errors)}`);
      return e.result;
    };
    const accountId = (await api<{ id: string }[]>('GET', '/accounts'))[0]?.id;
    if (accountId === undefined) throw new Error('the bootstrapped admin has no account');
    const acc = (p: string): string => `/accounts/${accountId}${p}`;
    const zone = await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: ZONE });
    const tunnel = await api<{ id: string }>('POST', acc('/cfd_tunnel'), { name: 'bench-access' });
    for (const h of [OPEN_HOST, APP_HOST]) {
      await api('PUT', `/zones/${zone.id}/tunnels/${tunnel.id}/routes`, { type: 'dns', user_hostname: h });
    }
    const token = await api<string>('GET', acc(`/cfd_tunnel/${tunnel.id}/token`));
    const org = await api<{ auth_domain: string }>('POST', acc('/access/organizations'), {
      name: 'Bench',
      auth_domain: `${TEAM_NAME}.access.warren.localhost`,
    });
    const app = await api<{ id: string; aud: string }>('POST', acc('/access/apps'), {
      name: 'Bench app',
      domain: APP_HOST,
      type: 'self_hosted',
      session_duration: '24h',
    });
    await api('POST', acc(`/access/apps/${app.id}/policies`), {
      name: 'everyone',
      decision: 'allow',
      include: [{ everyone: {} }],
    });
    // The edge makes the account's keys; the bench then signs with the current one, as a login would.
    await api('POST', acc('/access/keys/rotate'));
    const cookie = await signedCookie(edge.dataDir, accountId, org.auth_domain, app.aud);

    const main = `${ctx.repo}/dist/src/cli/main.js`;
    connector = spawnChild('warren-access-tunnel', process.execPath, [
      main,
      'tunnel',
      'run',
      '--token',
      token,
      '--edge',
      `${LOOPBACK}:${edge.tunnelPort}`,
      '--edge-ca',
      edge.caPath,
      '--url',
      `http://${LOOPBACK}:${ctx.originPort}`,
      '--loglevel',
      'warn',
    ]);
    const base = `http://${LOOPBACK}:${edge.httpPort}`;
    const open: Target = { base, host: OPEN_HOST };
    const protectedTarget: Target = { base, host: APP_HOST };
    await waitForOk(open, '/', 'Hello', 30_000);
    // The gate follows the change feed: wait until the app protects its host, then check the cookie opens it.
    const deadline = Date.now() + 30_000;
    while ((await get(protectedTarget, '/', 5_000)).status !== 302) {
      if (Date.now() > deadline) throw new Error(`${APP_HOST} is not protected after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const withCookie = await get(protectedTarget, '/', 5_000, { cookie });
    if (withCookie.status !== 200) throw new Error(`the cookie did not open ${APP_HOST}: ${withCookie.status}`);

    const headers = { cookie };
    const connections = 50;
    await o.load({ target: open, connections, durationS: o.warmupS });
    await o.load({ target: protectedTarget, connections, durationS: o.warmupS, headers });
    const sliceS = o.durationS / o.slices;
    const parts: { unprotected: LoadResult[]; protected: LoadResult[] } = { unprotected: [], protected: [] };
    const cpu = { unprotected: 0, protected: 0 };
    for (let i = 0; i < o.slices; i++) {
      for (const side of ['unprotected', 'protected'] as const) {
        const before = treeCpuSeconds([edge.child.pid]);
        const target = side === 'protected' ? protectedTarget : open;
        parts[side].push(
          await o.load({
            target,
            connections,
            durationS: sliceS,
            ...(side === 'protected' ? { headers } : {}),
          }),
        );
        cpu[side] += treeCpuSeconds([edge.child.pid]) - before;
      }
    }
    const unprotected = mergeLoads(parts.unprotected);
    const prot = mergeLoads(parts.protected);
    return {
      connections,
      slices: o.slices,
      unprotected,
      protected: prot,
      ratio: prot.rps / Math.max(1e-9, unprotected.rps),
      edgeCpuUs: {
        unprotected: (cpu.unprotected * 1e6) / Math.max(1, unprotected.requests),
        protected: (cpu.protected * 1e6) / Math.max(1, prot.requests),
      },
    };
  } finally {
    await connector?.stop(15_000);
    await edge.child.stop(15_000);
  }
}

/** `CF_Authorization=<jwt>` for a user of the app, signed with the account's current key from the data directory. */
async function signedCookie(dataDir: string, accountId: string, teamDomain: string, aud: string): Promise<string> {
  const store = await Store.open({
    dataDir,
    databaseUrl: undefined,
    secretKey: undefined,
    logger: pino({ level: 'silent' }),
  });
  try {
    const key = await new AccessKeyRing(store).signingKey(accountId);
    const jwt = await signAccessJwt(key, {
      teamDomain,
      aud,
      subject: { kind: 'user', email: 'bench@example.com', userId: '00000000-0000-4000-8000-00000000beef' },
      issuedAt: new Date(),
      ttlSeconds: 86_400,
    });
    return `CF_Authorization=${jwt}`;
  } finally {
    await store.close();
  }
}
