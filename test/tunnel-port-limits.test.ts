import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FrameType, PRE_REGISTRATION_MAX_FRAME_PAYLOAD } from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';
import { dialTunnel, type EdgeHarness, type RawLink, register, startEdge } from './support/raw-tunnel-client.js';

/** Resolves when the socket closes; rejects if it is still open after `ms` (the bound a test proves). */
/** Every socket a test opens, destroyed after it whatever happened. */
const opened = new Set<net.Socket>();
after(() => {
  for (const s of opened) s.destroy();
});

async function dial(port: number, ca: string, localAddress?: string): Promise<RawLink> {
  const link = await dialTunnel(port, ca, localAddress);
  opened.add(link.socket);
  return link;
}

function closesWithin(socket: net.Socket, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  if (socket.destroyed) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, localAddress });
  opened.add(s);
  s.on('error', () => {});
  return once(s, 'connect').then(() => s);
}

/** A frame header announcing `length` bytes of `type` on `streamId`. */
function header(length: number, type: number, streamId = 0): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt32BE(length, 0);
  b[4] = type;
  b.writeUInt32BE(streamId, 5);
  return b;
}

describe('tunnel port before registration', () => {
  let h: EdgeHarness;
  before(async () => {
    h = await startEdge({ limits: { handshakeTimeoutMs: 1_500 } });
  });
  after(async () => {
    await h.close();
  });

  test('a-register-frame-announcing-16-MiB-drops-the-connection-at-once', async () => {
    const link = await dial(h.tunnelPort, h.ca);
    link.socket.write(Buffer.concat([header(16 * 1024 * 1024, FrameType.Register), Buffer.alloc(1024, 0x7b)]));
    // Well before the 1.5 s handshake timeout: the length alone is refused.
    const ms = await closesWithin(link.socket, 1_000, 'announcing 16 MiB before registration');
    assert.ok(ms < 1_000);
  });

  test('a-frame-just-over-64-KiB-is-refused-and-one-at-the-limit-is-read', async () => {
    const over = await dial(h.tunnelPort, h.ca);
    over.socket.write(header(PRE_REGISTRATION_MAX_FRAME_PAYLOAD + 1, FrameType.Register));
    await closesWithin(over.socket, 1_000, 'one byte over the pre-registration limit');
    // At the limit the frame is read whole and parsed: garbage gets a RegisterError, not a dropped link.
    const at = await dial(h.tunnelPort, h.ca);
    const answer = new Promise<number>((resolve) => {
      at.conn.onControl = (f) => resolve(f.type);
    });
    at.socket.write(
      Buffer.concat([
        header(PRE_REGISTRATION_MAX_FRAME_PAYLOAD, FrameType.Register),
        Buffer.alloc(PRE_REGISTRATION_MAX_FRAME_PAYLOAD, 0x20),
      ]),
    );
    assert.equal(await answer, FrameType.RegisterError);
  });

  test('a-registered-link-accepts-frames-over-64-KiB', async () => {
    const link = await dial(h.tunnelPort, h.ca);
    const reg = await register(link, { kind: 'quick-new' });
    assert.ok('connectionId' in reg, JSON.stringify(reg));
    // A Data frame for a stream that does not exist is skipped as it streams by, not an error.
    link.socket.write(Buffer.concat([header(1024 * 1024, FrameType.Data, 7), Buffer.alloc(1024 * 1024)]));
    const answer = new Promise<number>((resolve) => {
      link.conn.onControl = (f) => resolve(f.type);
    });
    // The link is still up: its Unregister is answered.
    link.conn.sendFrame(FrameType.Unregister, 0);
    assert.equal(await answer, FrameType.UnregisterAck);
    link.conn.destroy();
  });

  test('a-second-register-on-one-link-drops-it-without-registering-twice', async () => {
    const link = await dial(h.tunnelPort, h.ca);
    const seen: number[] = [];
    link.conn.onControl = (f) => seen.push(f.type);
    const body = Buffer.from(
      JSON.stringify({
        version: 2,
        auth: { kind: 'quick-new' },
        connector: { connectorId: 'x', connIndex: 0, version: 't', arch: 'x64', os: 'linux' },
        heartbeatMs: 60_000,
        initialWindow: 65536,
      }),
    );
    const frame = Buffer.concat([header(body.length, FrameType.Register), body]);
    link.socket.write(Buffer.concat([frame, frame]));
    await closesWithin(link.socket, 1_000, 'two Registers on one link');
    assert.deepEqual(
      seen.filter((t) => t === FrameType.Registered),
      [],
    );
  });

  test('a-tcp-connection-that-never-starts-tls-is-closed-by-the-handshake-timeout', async () => {
    const s = await rawConnect(h.tunnelPort);
    const ms = await closesWithin(s, 5_000, 'an idle TCP connection');
    assert.ok(ms >= 1_000, `closed after ${ms} ms, not by the 1.5 s timeout`);
    assert.ok(h.edge.tunnels.stats().handshakeTimeouts >= 1);
  });

  test('a-tls-connection-that-never-registers-is-closed-by-the-same-clock', async () => {
    const t0 = Date.now();
    const link = await dial(h.tunnelPort, h.ca);
    await closesWithin(link.socket, 5_000, 'a silent TLS connection');
    const ms = Date.now() - t0;
    assert.ok(ms >= 1_400 && ms < 4_000, `closed ${ms} ms after connect`);
  });
});

describe('tunnel port caps', () => {
  let h: EdgeHarness;
  before(async () => {
    h = await startEdge({
      limits: {
        maxPendingHandshakesPerSource: 3,
        maxPendingHandshakes: 6,
        handshakeTimeoutMs: 30_000,
      },
    });
  });
  after(async () => {
    await h.close();
  });

  /** Accepted: the TLS handshake completes and the edge says Hello. Refused: closed before that. */
  async function accepted(localAddress: string): Promise<net.Socket | undefined> {
    try {
      return (await dial(h.tunnelPort, h.ca, localAddress)).socket;
    } catch {
      return undefined;
    }
  }

  test('pending-handshakes-per-source-and-in-total-are-capped', async () => {
    const open: net.Socket[] = [];
    try {
      // Three unregistered from 127.0.0.2 are let in, the fourth is refused at accept.
      for (let i = 0; i < 3; i++) {
        const s = await accepted('127.0.0.2');
        assert.ok(s, `connection ${i + 1} from 127.0.0.2 accepted`);
        open.push(s);
      }
      assert.equal(await accepted('127.0.0.2'), undefined, 'the fourth pending from one source is refused');
      // Another source is not affected, up to the total of six pending.
      for (let i = 0; i < 3; i++) {
        const s = await accepted('127.0.0.3');
        assert.ok(s, `connection ${i + 1} from 127.0.0.3 accepted`);
        open.push(s);
      }
      // All six places are taken: a newcomer holding none takes the oldest place of a source holding three.
      const oldest = open[0] as net.Socket;
      const newcomer = await accepted('127.0.0.4');
      assert.ok(newcomer, 'a source holding none gets a place when the total is full');
      open.push(newcomer);
      await closesWithin(oldest, 2_000, "127.0.0.2's oldest pending connection, evicted");
      assert.equal(h.edge.tunnels.stats().evicted, 1);
      assert.equal(h.edge.tunnels.stats().pendingHandshakes, 6);
      assert.equal(h.edge.tunnels.stats().refused, 1);
      for (const s of open.splice(0)) s.destroy();
      await eventually(() => h.edge.tunnels.stats().pendingHandshakes === 0, 5_000, 'pending connections released');
      // Six sources holding one each: no one holds two more than a newcomer, so the seventh is refused.
      for (let i = 0; i < 6; i++) {
        const s = await accepted(`127.0.1.${10 + i}`);
        assert.ok(s, `one pending from 127.0.1.${10 + i}`);
        open.push(s);
      }
      assert.equal(await accepted('127.0.1.99'), undefined, 'the seventh pending overall is refused');
      assert.equal(h.edge.tunnels.stats().refused, 2);
      for (const s of open.splice(0)) s.destroy();
      await eventually(() => h.edge.tunnels.stats().pendingHandshakes === 0, 5_000, 'pending connections released');
      // Registered links stop being pending: 127.0.0.5 registers five, and still has its three pending places.
      for (let i = 0; i < 5; i++) {
        const link = await dial(h.tunnelPort, h.ca, '127.0.0.5');
        open.push(link.socket);
        const reg = await register(link, { kind: 'quick-new' });
        assert.ok('connectionId' in reg, JSON.stringify(reg));
      }
      for (let i = 0; i < 3; i++) {
        const s = await accepted('127.0.0.5');
        assert.ok(s, `pending connection ${i + 1} from 127.0.0.5 next to its five registered links`);
        open.push(s);
      }
      assert.equal(await accepted('127.0.0.5'), undefined, 'the fourth pending from 127.0.0.5 is refused');
    } finally {
      for (const s of open) s.destroy();
    }
  });
});

test('stopping-the-edge-closes-connections-still-in-their-handshake', async () => {
  const h = await startEdge({ limits: { handshakeTimeoutMs: 60_000 } });
  const idle = await rawConnect(h.tunnelPort);
  await eventually(() => h.edge.tunnels.stats().pendingHandshakes === 1, 2_000, 'the connection admitted');
  await h.close();
  await closesWithin(idle, 1_000, 'an idle connection after the edge stopped');
});
