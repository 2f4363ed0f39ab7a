import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { Connector } from '../src/connector/connector.js';
import { ManualClock } from '../src/time/index.js';
import { eventually } from './support/eventually.js';

/** A loopback port nothing listens on (bound once to pick it, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const address = s.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((r) => s.close(() => r()));
  return address.port;
}

const STEPS = 35;

test('connector-says-once-per-backoff-step-that-it-cannot-reach-its-edge-and-leaks-no-abort-listener', {
  timeout: 60_000,
}, async () => {
  const port = await closedPort();
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on('warning', onWarning);
  const lines: { msg: string; connIndex: number; retryInMs: number }[] = [];
  const logger = pino(
    { level: 'info', base: undefined },
    {
      write(line: string) {
        const o = JSON.parse(line) as { msg: string; connIndex: number; retryInMs?: number };
        if (o.retryInMs !== undefined) lines.push({ msg: o.msg, connIndex: o.connIndex, retryInMs: o.retryInMs });
      },
    },
  );
  const clock = new ManualClock();
  const connector = new Connector({
    edge: { host: '127.0.0.1', port },
    ca: undefined,
    credentials: { accountTag: 'a', tunnelId: '00000000-0000-4000-8000-000000000000', secret: Buffer.alloc(32) },
    haConnections: 4,
    handle: () => {},
    logger,
    // Backoff waits run on the manual clock: the test moves it by each announced delay, no sleeping.
    timers: clock,
  });
  const running = connector.run();
  try {
    for (let step = 1; step <= STEPS; step++) {
      await eventually(() => lines.length >= step, 10_000, `backoff line ${step}`, 2);
      const line = lines[step - 1];
      assert.ok(line !== undefined);
      await clock.advance(line.retryInMs);
    }
    await eventually(() => lines.length >= STEPS + 1, 10_000, 'the line after the last step', 2);
    // One line per step: only the first link dials until one registers (the others wait, as cloudflared's).
    assert.deepEqual(new Set(lines.map((l) => l.connIndex)), new Set([0]));
    for (const [i, l] of lines.entries()) {
      assert.match(
        l.msg,
        new RegExp(
          `^cannot reach the edge at 127\\.0\\.0\\.1:${port}: ECONNREFUSED; retrying in [0-9.]+ s \\(attempt ${i + 1}; `,
        ),
      );
      assert.ok(l.msg.includes(`${Number((l.retryInMs / 1000).toFixed(2))} s`), l.msg);
    }
    // The backoff grew to its cap (8 s) and stays there.
    assert.ok((lines.at(-1)?.retryInMs ?? 0) >= 4_000);
    const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
    assert.deepEqual(
      leaks.map((w) => w.message),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    await connector.shutdown(0);
    await running;
  }
});
