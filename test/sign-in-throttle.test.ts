import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { bootstrapAdmin, ControlPlane, createApiServer, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { type AuditLogRow, Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS, type DialectCase } from './support/control-harness.js';
import { eventually } from './support/eventually.js';

const PASSWORD = 'correct horse battery';

interface Harness {
  app: FastifyInstance;
  store: Store;
  clock: ManualClock;
  accountId: string;
  logLines: () => string[];
  close(): Promise<void>;
}

async function start(dialect: DialectCase): Promise<Harness> {
  const db = await dialect.fresh();
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  const store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger, clock });
  const boot = await bootstrapAdmin(store, { email: ADMIN_EMAIL, token: ADMIN_TOKEN, password: PASSWORD });
  const control = await ControlPlane.start({
    store,
    domain: 'warren.localhost',
    edgeName: 'test-edge',
    logger,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
  });
  const app = createApiServer({ logger, ready: () => true, control: control.api() });
  await app.ready();
  return {
    app,
    store,
    clock,
    accountId: boot.accountId,
    logLines: () => lines,
    async close() {
      await app.close();
      await control.close();
      await store.close();
      await db.drop();
    },
  };
}

/** A fresh `warren login` key whose transfer exists (the browser's first visit creates it). */
let callbacks = 0;
async function newCallback(h: Harness): Promise<string> {
  const key = randomBytes(32).toString('base64url');
  // Each transfer from its own source: open transfers are capped per source, and that cap is not under test here.
  callbacks += 1;
  const remoteAddress = `127.1.${Math.floor(callbacks / 250)}.${(callbacks % 250) + 1}`;
  const res = await h.app.inject({ method: 'GET', url: `/argotunnel?callback=${key}`, remoteAddress });
  assert.equal(res.statusCode, 200, res.body);
  return key;
}

async function signIn(
  h: Harness,
  callback: string,
  email: string,
  password: string,
  source: string,
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/argotunnel/signin',
    remoteAddress: source,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ callback, email, password }).toString(),
  });
  const retryAfter = res.headers['retry-after'];
  return {
    status: res.statusCode,
    retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    body: res.body,
  };
}

for (const dialect of DIALECTS) {
  describe(`sign-in throttle on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await start(dialect);
    });
    after(async () => {
      await h?.close();
    });

    test('after 5 wrong passwords an address is locked out; even the right password gets 429 with Retry-After until the window passes', async () => {
      const cb = await newCallback(h);
      const source = '192.0.2.1';
      for (let i = 0; i < 5; i++) assert.equal((await signIn(h, cb, ADMIN_EMAIL, `wrong ${i}`, source)).status, 401);
      const sixth = await signIn(h, cb, ADMIN_EMAIL, 'wrong 5', source);
      assert.equal(sixth.status, 429);
      assert.equal(sixth.retryAfter, '30');
      assert.match(sixth.body, /Too many failed sign-ins.*Try again in 30 seconds.*WARREN_SIGN_IN_THROTTLED/);
      const right = await signIn(h, cb, ADMIN_EMAIL, PASSWORD, source);
      assert.equal(right.status, 429, 'the right password is refused while locked out');
      // Another source does not get around it: the lock-out is the address's.
      assert.equal((await signIn(h, cb, ADMIN_EMAIL.toUpperCase(), PASSWORD, '192.0.2.2')).status, 429);
      h.clock.advance(29_000);
      assert.equal((await signIn(h, cb, ADMIN_EMAIL, PASSWORD, source)).retryAfter, '1');
      h.clock.advance(1_000);
      // Signed in: the admin has no zone yet, so the page says that (403), not "wrong password".
      const ok = await signIn(h, cb, ADMIN_EMAIL, PASSWORD, source);
      assert.equal(ok.status, 403, ok.body);
      assert.match(ok.body, /No zone to authorize/);
      // Success starts the address afresh.
      for (let i = 0; i < 5; i++) assert.equal((await signIn(h, cb, ADMIN_EMAIL, `again ${i}`, source)).status, 401);
      assert.equal((await signIn(h, cb, ADMIN_EMAIL, 'again 5', source)).status, 429);
      h.clock.advance(30_000);
    });

    test('each further failure doubles the lock-out up to 15 minutes; an unknown address gets exactly the same answers', async () => {
      const knownUser = await h.store.identity.createUser({
        email: 'doubling-known@example.test',
        kind: 'person',
        password: PASSWORD,
      });
      const sequences: { status: number; retryAfter: string | undefined }[][] = [];
      for (const email of ['doubling-unknown@example.test', knownUser.email]) {
        const seq: { status: number; retryAfter: string | undefined }[] = [];
        for (let i = 0; i < 12; i++) {
          // A transfer lives 10 minutes; the clock jumps further, so each attempt gets its own.
          const cb = await newCallback(h);
          const r = await signIn(h, cb, email, `wrong ${i}`, `198.51.100.${i}`);
          seq.push({ status: r.status, retryAfter: r.retryAfter });
          if (r.retryAfter !== undefined) h.clock.advance(Number(r.retryAfter) * 1000);
        }
        sequences.push(seq);
      }
      const expected = [
        ...Array.from({ length: 5 }, () => ({ status: 401, retryAfter: undefined })),
        ...[30, 60, 120, 240, 480, 900, 900].map((s) => ({ status: 429, retryAfter: String(s) })),
      ];
      assert.deepEqual(sequences[0], expected);
      assert.deepEqual(sequences[1], expected, 'a known address is treated exactly like an unknown one');
    });

    test('one source trying many addresses is locked out after 30 failures', async () => {
      const source = '203.0.113.7';
      const cb = await newCallback(h);
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) {
        statuses.push((await signIn(h, cb, `spray${i}@example.test`, 'Winter2026!', source)).status);
      }
      assert.deepEqual(statuses, [...Array.from({ length: 30 }, () => 401), 429]);
      const next = await signIn(h, cb, 'someone-new@example.test', 'x', source);
      assert.equal(next.status, 429);
      assert.equal(next.retryAfter, '30');
      assert.equal((await signIn(h, cb, 'someone-new@example.test', 'x', '203.0.113.8')).status, 401);
      h.clock.advance(30_000);
    });

    test('addresses of one IPv6 /64 share one source budget; the next /64 has its own', async () => {
      const cb = await newCallback(h);
      const answers: { status: number; body: string }[] = [];
      for (let i = 1; i <= 31; i++) {
        answers.push(await signIn(h, cb, `v6-${i}@example.test`, 'guess', `2001:db8:5:6::${i.toString(16)}`));
      }
      assert.deepEqual(
        answers.map((a) => a.status),
        [...Array.from({ length: 30 }, () => 401), 429],
      );
      assert.match(answers[30]?.body ?? '', /WARREN_SIGN_IN_THROTTLED/, 'the /64 is throttled');
      const next = await signIn(h, cb, 'v6-new@example.test', 'guess', '2001:db8:5:7::1');
      assert.equal(next.status, 401);
      assert.doesNotMatch(next.body, /WARREN_SIGN_IN_THROTTLED/, 'the next /64 is only told the password is wrong');
      h.clock.advance(30_000);
    });

    test("failures and lock-outs go to the user's account audit log; unknown addresses only to the log, never a password", async () => {
      const cb = await newCallback(h);
      const source = '192.0.2.77';
      const email = 'audited@example.test';
      const user = await h.store.identity.createUser({ email, kind: 'person', password: PASSWORD });
      await h.store.identity.addMember(h.accountId, user.id, [SUPER_ADMIN_ROLE_ID]);
      for (let i = 0; i < 6; i++) await signIn(h, cb, email, `hunter2-secret-${i}`, source);
      await signIn(h, cb, 'nobody-here@example.test', 'hunter2-secret-unknown', source);
      const entries = (await eventually(
        async () => {
          const page = await h.store.audit.entries(h.accountId, { actorEmail: email }, { page: 1, perPage: 50 });
          return page.rows.length >= 7 ? page.rows : undefined;
        },
        10_000,
        'audit entries of the failed sign-ins',
      )) as AuditLogRow[];
      const failures = entries.filter((e) => e.action_type === 'login' && e.action_result === 0);
      const lockouts = entries.filter((e) => e.action_type === 'login_lockout');
      assert.equal(failures.length, 6);
      assert.equal(lockouts.length, 1);
      assert.equal(lockouts[0]?.actor_ip, source);
      assert.deepEqual(JSON.parse(lockouts[0]?.metadata ?? '{}'), { scope: 'address', retryAfterSeconds: 30 });
      const warned = (await eventually(
        () => h.logLines().find((l) => l.includes('nobody-here@example.test')),
        10_000,
        'a warn line for the unknown address',
      )) as string;
      const ghost = await h.store.audit.entries(
        h.accountId,
        { actorEmail: 'nobody-here@example.test' },
        { page: 1, perPage: 50 },
      );
      assert.equal(ghost.total, 0, 'an unknown address writes no audit entry');
      assert.equal((JSON.parse(warned) as { level: number }).level, 40);
      assert.doesNotMatch(h.logLines().join('\n'), /hunter2-secret/);
      h.clock.advance(30_000);
    });

    test('refused setup links count against the source: the 31st answers 429', async () => {
      const statuses: number[] = [];
      let last: { headers: Record<string, unknown>; body: string } | undefined;
      for (let i = 0; i < 31; i++) {
        const res = await h.app.inject({
          method: 'GET',
          url: `/setup?token=${randomBytes(32).toString('base64url')}`,
          remoteAddress: '192.0.2.200',
        });
        statuses.push(res.statusCode);
        last = res;
      }
      assert.deepEqual(statuses, [...Array.from({ length: 30 }, () => 410), 429]);
      assert.equal(last?.headers['retry-after'], '30');
      assert.match(last?.body ?? '', /Too many failed setup attempts from your network\. Try again in 30 seconds/);
      // The form's POST is held back too, before the link is looked at.
      const post = await h.app.inject({
        method: 'POST',
        url: '/setup',
        remoteAddress: '192.0.2.200',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: 'x',
          email: 'a@b.test',
          password: 'long enough pass',
          account: 'a',
        }).toString(),
      });
      assert.equal(post.statusCode, 429);
    });
  });
}

const sqlite = DIALECTS.find((d) => d.name === 'sqlite') as DialectCase;

describe('sign-in timing', () => {
  let h: Harness;
  before(async () => {
    h = await start(sqlite);
  });
  after(async () => {
    await h?.close();
  });

  test('an unknown address takes about as long as a known one with a wrong password (medians within a factor of 2)', async () => {
    const SAMPLES = 12;
    // One known user per sample, and one source per attempt: no attempt meets a lock-out.
    const known: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const email = `timing${i}@example.test`;
      const user = await h.store.identity.createUser({ email, kind: 'person', password: PASSWORD });
      await h.store.identity.addMember(h.accountId, user.id, [SUPER_ADMIN_ROLE_ID]);
      known.push(email);
    }
    const cb = await newCallback(h);
    const time = async (email: string, source: string): Promise<number> => {
      const t0 = performance.now();
      const r = await signIn(h, cb, email, 'not the password', source);
      const ms = performance.now() - t0;
      assert.equal(r.status, 401);
      return ms;
    };
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    // Interleaved, so load on the machine falls on both alike.
    for (let i = 0; i < SAMPLES; i++) {
      knownMs.push(await time(known[i] as string, `10.1.0.${i}`));
      unknownMs.push(await time(`ghost${i}@example.test`, `10.2.0.${i}`));
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
    };
    const k = median(knownMs);
    const u = median(unknownMs);
    const factor = Math.max(k, u) / Math.min(k, u);
    assert.ok(
      factor < 2,
      `median known ${k.toFixed(1)} ms vs unknown ${u.toFixed(1)} ms: factor ${factor.toFixed(2)} (must be < 2)`,
    );
    process.stdout.write(
      `# sign-in timing: median known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms, factor ${factor.toFixed(2)}\n`,
    );
  });
});
