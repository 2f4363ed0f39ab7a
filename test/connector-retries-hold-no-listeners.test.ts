import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { Connector } from '../src/connector/index.js';
import { ManualClock } from '../src/time/index.js';
import { eventually } from './support/eventually.js';

/*
 * A connector that cannot reach its edge retries for as long as the outage lasts. Each wait
 * between tries listened on the connector's abort signal and never let go, so a long outage
 * piled up listeners (node warns past 10). The waits now let go when they end.
 */
test('a-link-retrying-through-an-outage-does-not-pile-up-abort-listeners', async () => {
  // A port nothing listens on: every dial is refused at once.
  const closed = net.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    if (w.name === 'MaxListenersExceededWarning') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  const clock = new ManualClock();
  let attempts = 0;
  const connector = new Connector({
    edge: { host: '127.0.0.1', port },
    ca: undefined,
    credentials: undefined,
    haConnections: 1,
    handle: () => {},
    logger: pino({ level: 'warn' }, { write: () => attempts++ }),
    timers: clock,
    backoff: { baseMs: 100, maxMs: 100, random: () => 0 },
  });
  const run = connector.run();
  try {
    for (let i = 1; i <= 30; i++) {
      await eventually(() => attempts >= i, 5_000, `attempt ${i} refused`);
      await clock.advance(100);
    }
    // Warnings are emitted on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
    await connector.shutdown(0);
    await run.catch(() => {});
  }
});
