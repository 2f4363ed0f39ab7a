import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket as TcpSocket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { type DnsService, startDnsService } from '../src/dns/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';

const DOMAIN = 'warren.localhost';
const ZONE = 'robust.test';
const sqlite = DIALECTS[0] as (typeof DIALECTS)[number];

/** mulberry32: a small seeded generator, so a failing fuzz run can be replayed with DNS_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function query(name: string, type: 'A' | 'TXT' | 'AAAA' = 'A', id = 1, edns = true): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: 0,
    questions: [{ type, name, class: 'IN' }],
    additionals: edns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 1232,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [],
  });
}

function framed(msg: Buffer): Buffer {
  const b = Buffer.alloc(2 + msg.length);
  b.writeUInt16BE(msg.length, 0);
  msg.copy(b, 2);
  return b;
}

/** Polls `check` on every turn of the event loop until it holds (a tight loop with a deadline, no sleep). */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/** A UDP client socket that keeps every datagram it receives. */
async function udpClient(): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, received };
}

async function tcpOpen(port: number): Promise<TcpSocket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

/** Reads `count` length-prefixed messages from a TCP socket (or fails at the deadline). */
async function tcpRead(s: TcpSocket, count: number, timeoutMs = 5000): Promise<Buffer[]> {
  let buf = Buffer.alloc(0);
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${out.length} of ${count} TCP answers`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= count) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(out);
      }
    };
    s.on('data', onData);
  });
}

describe('DNS server robustness', () => {
  let h: ControlHarness;
  let open: DnsService;
  let limited: DnsService;

  before(async () => {
    h = await startControl(sqlite);
    const z = await h.call<{ id: string }>('POST', '/zones', {
      name: ZONE,
      type: 'full',
      account: { id: h.accountId },
    });
    await h.call('POST', `/zones/${z.json.result.id}/dns_records`, { type: 'A', name: 'www', content: '198.51.100.1' });
    await h.call('POST', `/zones/${z.json.result.id}/dns_records`, { type: 'TXT', name: 'www', content: 'hello' });
    const base = {
      store: h.store,
      domain: DOMAIN,
      bind: '127.0.0.1',
      port: 0,
      addresses: { edge: ['192.0.2.10'], ns: ['192.0.2.53'] },
      logger: quietLogger,
    };
    open = await startDnsService({
      ...base,
      rateLimit: { responsesPerSecond: 0 },
      tcp: { maxPerSource: 4, idleTimeoutMs: 300 },
    });
    limited = await startDnsService({ ...base, rateLimit: { responsesPerSecond: 20, slip: 2 } });
  });

  after(async () => {
    await open?.close();
    await limited?.close();
    await h?.close();
  });

  const answersWww = async (port: number): Promise<void> => {
    for (const t of [[], ['+tcp']]) {
      const r = await dig(port, [`www.${ZONE}`, 'A', ...t]);
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer, [`www.${ZONE}. 300 IN A 198.51.100.1`]);
    }
  };

  test('thousands of random and mutated packets over UDP and TCP: never a crash, never garbage, still answering', async (t) => {
    const seed = Number(process.env.DNS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`DNS_FUZZ_SEED=${seed}`);
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const valid = [
      query(`www.${ZONE}`),
      query(`nx.${ZONE}`, 'TXT', 7),
      query(`x.tunnel.${DOMAIN}`, 'AAAA', 9, false),
      query('outside.example', 'A', 3),
    ];
    const packet = (): Buffer => {
      if (rnd() < 0.3) {
        const b = Buffer.alloc(int(600));
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        return b;
      }
      const b = Buffer.from(valid[int(valid.length)] as Buffer);
      const flips = 1 + int(6);
      for (let i = 0; i < flips; i++) b[int(b.length)] = int(256);
      if (rnd() < 0.2) return b.subarray(0, int(b.length));
      if (rnd() < 0.1) return Buffer.concat([b, Buffer.alloc(int(40), int(256))]);
      return b;
    };
    const { socket, received } = await udpClient();
    const UDP_PACKETS = 4000;
    const BATCH = 25; // in flight at once: a burst of thousands would only test the kernel's socket buffers
    const handled = (): number => {
      const c = open.server.metrics.counts();
      return c.queries + c.malformed;
    };
    const before = open.server.metrics.counts();
    const t0 = Date.now();
    const base = handled();
    for (let sent = 0; sent < UDP_PACKETS; ) {
      for (let i = 0; i < BATCH; i++, sent++) socket.send(packet(), open.port, '127.0.0.1');
      await until(() => handled() >= base + sent, `datagrams up to #${sent} handled`);
    }
    t.diagnostic(`udp done in ${Date.now() - t0} ms`);
    // TCP: 40 connections in turn, each fed random frames and raw bytes, some split across writes.
    for (let c = 0; c < 40; c++) {
      const s = await tcpOpen(open.port);
      // The server closes after our FIN; the deadline only keeps a stuck connection from hanging the test.
      const closed = once(s, 'close', { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      s.on('error', () => {});
      s.resume(); // read (and discard) the answers, or the close never comes
      for (let i = 0; i < 25 && !s.destroyed; i++) {
        const p = packet();
        const bytes = rnd() < 0.7 ? framed(p) : p;
        const cut = int(bytes.length + 1);
        s.write(bytes.subarray(0, cut));
        s.write(bytes.subarray(cut));
      }
      s.end();
      await closed;
      s.destroy();
    }
    t.diagnostic(`tcp done in ${Date.now() - t0} ms`);
    socket.close();
    for (const r of received) {
      const d = dnsPacket.decode(r); // every response decodes
      assert.equal(d.type, 'response');
      assert.ok((d.questions?.length ?? 0) <= 1);
    }
    assert.ok(open.server.metrics.counts().malformed > before.malformed, 'malformed packets were counted');
    await answersWww(open.port);
  });

  test('malformed datagrams are counted and dropped without an answer', async () => {
    const { socket, received } = await udpClient();
    const before = open.server.metrics.counts().malformed;
    const junk = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      // A response (QR set): never answered, so two servers cannot be set to ping-pong.
      dnsPacket.encode({ type: 'response', id: 5, questions: [{ type: 'A', name: `www.${ZONE}` }] }),
      // A compression pointer loop in the question.
      Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]),
      // A label longer than 63 bytes.
      Buffer.concat([
        Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64]),
        Buffer.alloc(64, 97),
        Buffer.from([0, 0, 1, 0, 1]),
      ]),
      // Two questions.
      Buffer.concat([
        query(`www.${ZONE}`, 'A', 1, false).subarray(0, 4),
        Buffer.from([0, 2]),
        query(`www.${ZONE}`, 'A', 1, false).subarray(6),
      ]),
      // Trailing bytes after the question.
      Buffer.concat([query(`www.${ZONE}`, 'A', 1, false), Buffer.from([1, 2, 3])]),
    ];
    for (const j of junk) socket.send(j, open.port, '127.0.0.1');
    await eventually(() => open.server.metrics.counts().malformed - before === junk.length, 5000, 'all counted');
    socket.send(query(`www.${ZONE}`, 'A', 4242), open.port, '127.0.0.1');
    await eventually(() => received.length > 0, 5000, 'an answer to the valid query');
    assert.equal(received.length, 1);
    assert.equal(dnsPacket.decode(received[0] as Buffer).id, 4242, 'the only answer is the valid query’s');
    socket.close();
  });

  test('UDP answers are rate-limited per source prefix; the excess is dropped or slipped as a tiny TC', async () => {
    const { socket, received } = await udpClient();
    const q = query(`www.${ZONE}`, 'TXT');
    const SENT = 300;
    const start = Date.now();
    const seen = (): number => {
      const c = limited.server.metrics.counts();
      return c.queries + c.limited;
    };
    for (let sent = 0; sent < SENT; ) {
      for (let i = 0; i < 10; i++, sent++) socket.send(q, limited.port, '127.0.0.1');
      await until(() => seen() >= sent, `queries up to #${sent} seen`);
    }
    // The answers to /24 127.0.0.0 are limited; TCP (whose source cannot be spoofed) is not.
    await answersWwwTcp(limited.port);
    await eventually(() => received.length >= 1, 5000);
    const elapsed = (Date.now() - start) / 1000;
    const full = received.filter((r) => (r.readUInt16BE(2) & 0x0200) === 0);
    const slipped = received.filter((r) => (r.readUInt16BE(2) & 0x0200) !== 0);
    assert.ok(full.length <= 20 + Math.ceil(elapsed * 20) + 1, `${full.length} full answers in ${elapsed}s`);
    assert.ok(full.length >= 20, 'the burst itself goes through');
    assert.ok(slipped.length > 0, 'some withheld answers slip out truncated');
    for (const s of slipped) {
      assert.ok(s.length <= q.length, 'a slipped answer is no bigger than the query');
      assert.equal(dnsPacket.decode(s).answers?.length, 0);
    }
    const bytesOut = received.reduce((n, r) => n + r.length, 0);
    assert.ok(bytesOut < SENT * q.length, `no amplification: ${bytesOut} bytes out for ${SENT * q.length} in`);
    socket.close();
  });

  const answersWwwTcp = async (port: number): Promise<void> => {
    const r = await dig(port, [`www.${ZONE}`, 'A', '+tcp']);
    assert.deepEqual(r.answer, [`www.${ZONE}. 300 IN A 198.51.100.1`]);
  };

  test('TCP: pipelined and byte-split queries are answered in order', async () => {
    const s = await tcpOpen(open.port);
    const two = Buffer.concat([framed(query(`www.${ZONE}`, 'A', 11)), framed(query(`nx.${ZONE}`, 'A', 12))]);
    const reading = tcpRead(s, 3);
    s.write(two);
    const third = framed(query(`WWW.${ZONE.toUpperCase()}`, 'TXT', 13));
    for (const byte of third) s.write(Buffer.from([byte]));
    const answers = await reading;
    const [a, b, c] = answers.map((m) => dnsPacket.decode(m));
    assert.equal(a?.id, 11);
    assert.equal(a?.answers?.length, 1);
    assert.equal(b?.id, 12);
    assert.equal((answers[1] as Buffer).readUInt16BE(2) & 0xf, 3, 'NXDOMAIN');
    assert.equal(c?.id, 13);
    assert.equal(c?.questions?.[0]?.name, `WWW.${ZONE.toUpperCase()}`);
    s.destroy();
  });

  test('TCP: connections per source are capped and idle ones are closed', async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => tcpOpen(open.port)));
    const extra = await tcpOpen(open.port);
    const [hadError] = await Promise.race([
      once(extra, 'close'),
      new Promise<[string]>((_, reject) =>
        setTimeout(() => reject(new Error('5th connection kept open')), 5000).unref(),
      ),
    ]);
    assert.equal(typeof hadError, 'boolean');
    // The held ones still answer.
    const first = held[0] as TcpSocket;
    const reading = tcpRead(first, 1);
    first.write(framed(query(`www.${ZONE}`, 'A', 21)));
    assert.equal(dnsPacket.decode((await reading)[0] as Buffer).id, 21);
    // Idle for longer than the timeout (300 ms here): closed by the server, bounded wait.
    const started = Date.now();
    await Promise.race([
      Promise.all(held.map((s) => once(s, 'close'))),
      new Promise((_, reject) => setTimeout(() => reject(new Error('idle connections kept open')), 5000).unref()),
    ]);
    assert.ok(Date.now() - started < 5000);
  });

  test('TCP: garbage closes that connection only', async () => {
    // On the server with the default 10 s idle timeout, so only the garbage can close it in time.
    const bad = await tcpOpen(limited.port);
    bad.on('error', () => {});
    const closed = once(bad, 'close');
    bad.write(framed(Buffer.from([0x80, 1, 2]))); // shorter than a header
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('garbage kept the connection open')), 5000).unref()),
    ]);
    await answersWwwTcp(limited.port);
  });
});
