import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CONTROL_RETRY_MIN_MS, ControlClient, type ControlRetry } from '../src/control/client/control-client.js';
import { WarrenError } from '../src/errors/index.js';
import type { Timers } from '../src/time/index.js';

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
}

/**
 * A real HTTP server that answers each request with the next scripted answer (the last one
 * repeats), and the client's waits recorded by injected timers that fire at once.
 */
describe('the CLI API client retries transient failures', () => {
  let server: Server;
  let base: string;
  let script: Answer[] = [];
  let bodies: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (s: string) => {
        body += s;
      });
      req.on('end', () => {
        bodies.push(body);
        const a = script[Math.min(bodies.length - 1, script.length - 1)] as Answer;
        const ok = a.status < 300;
        if (a.retryAfter !== undefined) res.setHeader('retry-after', a.retryAfter);
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok
              ? { success: true, errors: [], messages: [], result: { id: 't1' } }
              : {
                  success: false,
                  errors: [{ code: 10002, message: `scripted ${a.code}`, warren_code: a.code }],
                  messages: [],
                  result: null,
                },
          ),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const client = (budgetMs?: number) => {
    const waits: number[] = [];
    const retries: ControlRetry[] = [];
    const timers: Timers = {
      now: () => new Date(),
      after(ms, fn) {
        waits.push(ms);
        const t = setImmediate(fn);
        return () => clearImmediate(t);
      },
      every: () => () => {},
    };
    const c = new ControlClient(base, 'token', {
      timers,
      onRetry: (r) => retries.push(r),
      ...(budgetMs === undefined ? {} : { retryBudgetMs: budgetMs }),
    });
    return { c, waits, retries };
  };

  const run = (answers: Answer[]) => {
    script = answers;
    bodies = [];
  };

  test('a-503-with-a-retryable-code-is-retried-after-its-retry-after-and-the-same-body-is-sent', async () => {
    run([
      { status: 503, code: 'WARREN_DATABASE_UNAVAILABLE', retryAfter: '2' },
      { status: 503, code: 'WARREN_DATABASE_CONFLICT', retryAfter: '1' },
      { status: 200 },
    ]);
    const { c, waits, retries } = client();
    const r = await c.call<{ id: string }>('POST', '/accounts/a/cfd_tunnel', { name: 'x' });
    assert.equal(r.id, 't1');
    assert.deepEqual(waits, [2000, 1000]);
    assert.deepEqual(
      retries.map((x) => [x.code, x.attempt]),
      [
        ['WARREN_DATABASE_UNAVAILABLE', 1],
        ['WARREN_DATABASE_CONFLICT', 2],
      ],
    );
    assert.deepEqual(bodies, Array(3).fill('{"name":"x"}'));
  });

  test('without-retry-after-the-waits-back-off-exponentially', async () => {
    run([
      { status: 503, code: 'WARREN_DATABASE_FULL' },
      { status: 503, code: 'WARREN_DATABASE_FULL' },
      { status: 200 },
    ]);
    const { c, waits } = client();
    await c.call('GET', '/zones');
    assert.deepEqual(waits, [CONTROL_RETRY_MIN_MS, CONTROL_RETRY_MIN_MS * 2]);
  });

  test('retries-stop-when-the-time-budget-is-spent-and-the-error-says-how-long-it-tried', async () => {
    run([{ status: 503, code: 'WARREN_DATABASE_FULL', retryAfter: '5' }]);
    const { c, waits } = client(12_000);
    await assert.rejects(c.call('GET', '/zones'), (err: WarrenError) => {
      assert.ok(err instanceof WarrenError);
      assert.equal(err.code, 'WARREN_DATABASE_FULL');
      assert.match(err.message, /^scripted WARREN_DATABASE_FULL \(tried 3 times over 10\.0 s\)$/);
      return true;
    });
    assert.deepEqual(waits, [5000, 5000]);
    assert.equal(bodies.length, 3);
  });

  test('errors-that-retrying-cannot-fix-are-not-retried', async () => {
    for (const answer of [
      { status: 500, code: 'WARREN_DATABASE' },
      { status: 400, code: 'WARREN_API_INVALID' },
      { status: 503, code: 'WARREN_API_INVALID' },
    ]) {
      run([answer, { status: 200 }]);
      const { c, waits } = client();
      await assert.rejects(c.call('GET', '/zones'), { code: answer.code });
      assert.deepEqual([waits, bodies.length], [[], 1], JSON.stringify(answer));
    }
  });

  test('an-abort-during-the-wait-ends-the-call', async () => {
    run([{ status: 503, code: 'WARREN_DATABASE_UNAVAILABLE', retryAfter: '1' }]);
    const ac = new AbortController();
    const c = new ControlClient(base, 'token', {
      timers: {
        now: () => new Date(),
        after: () => {
          setImmediate(() => ac.abort(new Error('stopped by the test')));
          return () => {};
        },
        every: () => () => {},
      },
      onRetry: () => {},
    });
    await assert.rejects(c.call('GET', '/zones', undefined, { signal: ac.signal }), /stopped by the test/);
    assert.equal(bodies.length, 1);
  });
});
