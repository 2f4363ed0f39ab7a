import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { Connector, OriginProxy } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import type { RegisterFailure, Registration } from '../src/protocol/index.js';
import { ManualClock } from '../src/time/index.js';
import { eventually } from './support/eventually.js';
import {
  dialTunnel,
  type EdgeHarness,
  quickSecretAuth,
  type RawLink,
  register,
  startEdge,
} from './support/raw-tunnel-client.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';

/*
 * Registered links are bounded by what they registered for, not by their address (issue 26):
 * every tunnel by --tunnel-max-links-per-tunnel, quick tunnels (no account) per source and in
 * total; pending handshakes of other sources cannot lock a registered tunnel's address out.
 */

const opened = new Set<net.Socket>();
after(() => {
  for (const s of opened) s.destroy();
});

async function dial(h: EdgeHarness, localAddress?: string): Promise<RawLink> {
  const link = await dialTunnel(h.tunnelPort, h.ca, localAddress);
  opened.add(link.socket);
  return link;
}

function registered(r: Registration | RegisterFailure): Registration {
  assert.ok('connectionId' in r, `expected a registration, got ${JSON.stringify(r)}`);
  return r;
}

function refused(r: Registration | RegisterFailure): RegisterFailure {
  assert.ok('code' in r, `expected a refusal, got ${JSON.stringify(r)}`);
  return r;
}

/** A new quick tunnel from `source`: its link and credentials. */
async function quickTunnel(h: EdgeHarness, source: string): Promise<{ link: RawLink; reg: Registration }> {
  const link = await dial(h, source);
  return { link, reg: registered(await register(link, { kind: 'quick-new' })) };
}

/** Another link of a quick tunnel, proving its secret. */
async function rejoin(h: EdgeHarness, reg: Registration, source: string): Promise<Registration | RegisterFailure> {
  const quick = reg.quick;
  assert.ok(quick !== undefined);
  const link = await dial(h, source);
  return register(link, quickSecretAuth(link, quick));
}

describe('registered links', () => {
  test('quick-tunnel-links-are-capped-per-source-and-in-total-naming-the-flag', async () => {
    const h = await startEdge({ limits: { maxQuickLinksPerSource: 3, maxQuickLinks: 5 } });
    try {
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await quickTunnel(h, '127.0.1.1'));
      const over = refused(await register(await dial(h, '127.0.1.1'), { kind: 'quick-new' }));
      assert.equal(over.code, 'WARREN_QUICK_LINK_LIMIT');
      assert.equal(over.retryable, true);
      assert.match(over.message, /--quick-tunnel-max-links-per-source 3/);
      // A re-join with quick credentials counts against the source as well.
      const rejoined = refused(await rejoin(h, first[0]?.reg as Registration, '127.0.1.1'));
      assert.equal(rejoined.code, 'WARREN_QUICK_LINK_LIMIT');
      // Another source has its own three, up to the edge's five in all.
      await quickTunnel(h, '127.0.1.2');
      await quickTunnel(h, '127.0.1.2');
      const total = refused(await register(await dial(h, '127.0.1.3'), { kind: 'quick-new' }));
      assert.match(total.message, /--quick-tunnel-max-links 5/);
      assert.equal(h.edge.tunnels.stats().quickLinks, 5);
      // A closed link gives its place back.
      first[0]?.link.socket.destroy();
      await eventually(() => h.edge.tunnels.stats().quickLinks === 4, 5_000, 'the closed link released');
      await quickTunnel(h, '127.0.1.1');
    } finally {
      await h.close();
    }
  });

  test('a-tunnel-holds-at-most-max-links-per-tunnel-from-any-address', async () => {
    const h = await startEdge({ limits: { maxLinksPerTunnel: 3 } });
    try {
      const { reg } = await quickTunnel(h, '127.0.2.1');
      registered(await rejoin(h, reg, '127.0.2.1'));
      registered(await rejoin(h, reg, '127.0.2.2'));
      const over = refused(await rejoin(h, reg, '127.0.2.3'));
      assert.equal(over.code, 'WARREN_TUNNEL_LINK_LIMIT');
      assert.equal(over.retryable, true);
      assert.match(over.message, /--tunnel-max-links-per-tunnel 3/);
      // Other tunnels are not affected.
      await quickTunnel(h, '127.0.2.3');
      assert.equal(h.edge.tunnels.stats().linkLimitRefusals, 1);
    } finally {
      await h.close();
    }
  });

  test('a-connector-refused-for-a-limit-says-which-in-one-line-and-retries-slowly', async () => {
    const h = await startEdge({ limits: { maxLinksPerTunnel: 2 } });
    const origin = await startTestOrigin();
    const clock = new ManualClock();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const proxy = new OriginProxy({ ingress: Ingress.fromUrl(origin.url) });
    const connector = new Connector({
      edge: { host: '127.0.0.1', port: h.tunnelPort },
      ca: h.ca,
      credentials: undefined,
      haConnections: 4,
      handle: (stream, head) => proxy.handle(stream, head),
      logger,
      timers: clock,
      // No heartbeat inside the window the clock is moved over; the randomness pinned to the shortest wait.
      heartbeatMs: 600_000,
      backoff: { baseMs: 250, maxMs: 8_000, random: () => 0 },
    });
    const run = connector.run();
    try {
      // Links 0 and 1 register; 2 and 3 are refused once each and wait.
      await eventually(() => h.edge.tunnels.stats().linkLimitRefusals === 2, 10_000, 'two links refused');
      await eventually(() => lines.length === 2, 5_000, 'one warning per refused link');
      for (const line of lines) {
        const msg = (JSON.parse(line) as { msg: string }).msg;
        assert.match(msg, /--tunnel-max-links-per-tunnel 2/);
        assert.match(msg, /retrying in 15 s/);
      }
      assert.equal(connector.readyConnections, 2);
      // Not a tight loop: nothing is retried for the first 15 s.
      await clock.advance(14_999);
      assert.equal(h.edge.tunnels.stats().linkLimitRefusals, 2);
      await clock.advance(2);
      await eventually(() => h.edge.tunnels.stats().linkLimitRefusals === 4, 10_000, 'the retries after 15 s');
    } finally {
      await Promise.all([connector.shutdown(0), clock.advance(10_000)]);
      await run.catch(() => {});
      proxy.close();
      await h.close();
      await origin.close();
    }
  });
});

describe('pending handshakes of other sources', () => {
  test('cannot-lock-out-the-address-of-a-registered-tunnel', async () => {
    const h = await startEdge({
      limits: { maxPendingHandshakesPerSource: 4, maxPendingHandshakes: 8, handshakeTimeoutMs: 60_000 },
    });
    const origin = await startTestOrigin();
    const proxy = new OriginProxy({ ingress: Ingress.fromUrl(origin.url) });
    let hostname = '';
    let registeredOnce: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      registeredOnce = resolve;
    });
    const connector = new Connector({
      edge: { host: '127.0.0.1', port: h.tunnelPort },
      ca: h.ca,
      credentials: undefined,
      haConnections: 1,
      handle: (stream, head) => proxy.handle(stream, head),
      logger: pino({ level: 'silent' }),
      onRegistered: (reg) => {
        hostname = reg.hostname ?? '';
        registeredOnce();
      },
    });
    const run = connector.run();
    try {
      await ready;
      // Two other sources take every pending place and hold it (they never start TLS).
      for (const source of ['127.0.3.2', '127.0.3.3']) {
        for (let i = 0; i < 4; i++) {
          const s = net.connect({ host: '127.0.0.1', port: h.tunnelPort, localAddress: source });
          opened.add(s);
          s.on('error', () => {});
          await once(s, 'connect');
        }
      }
      await eventually(() => h.edge.tunnels.stats().pendingHandshakes === 8, 5_000, 'all pending places taken');
      // The registered tunnel keeps serving.
      assert.equal((await visit(h.httpPort, hostname, '/echo')).status, 200);
      // Its connector redials (a dropped link, a second replica): it gets a place, taken from a larger holder.
      const link = await dial(h, '127.0.0.1');
      registered(await register(link, { kind: 'quick-new' }));
      assert.equal(h.edge.tunnels.stats().evicted, 1);
      assert.equal(h.edge.tunnels.stats().pendingHandshakes, 7);
    } finally {
      await connector.shutdown(0);
      await run.catch(() => {});
      proxy.close();
      await h.close();
      await origin.close();
    }
  });
});
