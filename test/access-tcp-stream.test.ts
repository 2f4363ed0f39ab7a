import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

type Behaviour = (s: Socket) => void;

/**
 * Half-close both ways and backpressure through `warren access tcp`, the edge and the connector
 * to a plain TCP origin (no Access app: the client connects without a token).
 */
describe('warren access tcp: half-close both ways and a slow reader', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: Server;
  let connector: Proc;
  let fwd: Proc;
  let local: number;
  let behaviour: Behaviour = (s) => s.destroy();

  before(async () => {
    origin = createServer({ allowHalfOpen: true }, (s) => behaviour(s)).listen(0, '127.0.0.1');
    await once(origin, 'listening');
    f = await startNamedTunnelFixture();
    const config = join(tempDir(), 'config.yml');
    const originPort = (origin.address() as AddressInfo).port;
    writeFileSync(config, `ingress:\n  - service: tcp://127.0.0.1:${originPort}\n`);
    connector = f.run(['--token', f.token, '--config', config]);
    await untilConnectors(f, 1);
    local = await freePort();
    fwd = startCli([
      'access',
      'tcp',
      '--hostname',
      f.hostname,
      '--url',
      `127.0.0.1:${local}`,
      '--edge',
      `http://127.0.0.1:${f.serve.httpPort}`,
    ]);
    await fwd.waitFor(/listening on/, { from: 'stderr' });
  });
  after(async () => {
    await fwd?.stop();
    await connector?.stop();
    await f?.serve.stop();
    origin?.close();
  });

  function dial(): Promise<Socket> {
    const s = connect({ host: '127.0.0.1', port: local, allowHalfOpen: true });
    return once(s, 'connect').then(() => s);
  }

  function readAll(s: Socket): Promise<Buffer> {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    return once(s, 'end').then(() => Buffer.concat(chunks));
  }

  test('RSS stays flat: a 1 GiB stream to a reader reading 1 MiB/s for 10 s grows no process by 100 MiB', async (t) => {
    const TOTAL = 1024 * 1024 * 1024; // 1 GiB offered
    const CHUNK = Buffer.alloc(1024 * 1024, 9);
    let written = 0;
    behaviour = (s) => {
      s.on('error', () => undefined);
      const pump = (): void => {
        while (written < TOTAL && !s.destroyed) {
          written += CHUNK.length;
          if (!s.write(CHUNK)) {
            s.once('drain', pump);
            return;
          }
        }
        if (!s.destroyed) s.end();
      };
      s.on('data', () => undefined);
      pump();
    };
    const procs = { edge: f.serve.child.pid, connector: connector.child.pid, client: fwd.child.pid };
    const rss = (pid: number | undefined): number => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(m?.[1]) * 1024;
    };
    const start = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, rss(pid)]));
    const peak = { ...start };
    const s = await dial();
    s.on('error', () => undefined);
    // The reader's own rate: at most 1 MiB per elapsed second, paused in between (a paced reader, not a wait).
    const RATE = 1024 * 1024;
    const began = Date.now();
    let received = 0;
    const sampler = setInterval(() => {
      for (const [k, pid] of Object.entries(procs)) peak[k] = Math.max(peak[k] ?? 0, rss(pid));
    }, 200);
    let resumeTimer: NodeJS.Timeout | undefined;
    const TARGET = 10 * RATE; // 10 s at the reader's rate
    let reached: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      reached = resolve;
    });
    s.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= TARGET) {
        s.pause();
        reached();
        return;
      }
      const allowed = ((Date.now() - began) / 1000) * RATE;
      if (received > allowed) {
        s.pause();
        clearTimeout(resumeTimer);
        resumeTimer = setTimeout(() => s.resume(), Math.ceil(((received - allowed) / RATE) * 1000));
      }
    });
    await done;
    const READ_MS = Date.now() - began;
    clearInterval(sampler);
    clearTimeout(resumeTimer);
    s.destroy();
    const growth = Object.fromEntries(Object.keys(procs).map((k) => [k, (peak[k] ?? 0) - (start[k] ?? 0)]));
    t.diagnostic(
      `read ${(received / 1048576).toFixed(1)} MiB in ${READ_MS} ms; origin wrote ${(written / 1048576).toFixed(0)} MiB; ` +
        `RSS at start MiB: ${Object.entries(start)
          .map(([k, v]) => `${k} ${((v ?? 0) / 1048576).toFixed(1)}`)
          .join(', ')}; peak growth MiB: ${Object.entries(growth)
          .map(([k, v]) => `${k} ${(v / 1048576).toFixed(1)}`)
          .join(', ')}`,
    );
    assert.ok(READ_MS >= 9_000, `the reader kept its pace (${READ_MS} ms for 10 MiB)`);
    assert.ok(written < 256 * 1024 * 1024, `the origin got ${written} bytes out to a 1 MiB/s reader`);
    for (const [k, v] of Object.entries(growth)) assert.ok(v < 100 * 1024 * 1024, `${k} grew by ${v} bytes`);
  });

  test("the client's FIN reaches the origin, which answers after it", async () => {
    behaviour = (s) => {
      const hash = createHash('sha256');
      let n = 0;
      s.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
      s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
    };
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const s = await dial();
    const answer = readAll(s);
    s.end(body);
    assert.equal((await answer).toString(), `${body.length} ${createHash('sha256').update(body).digest('hex')}`);
  });

  test("the origin's FIN reaches the client, which can still send after it", async () => {
    let got = '';
    let originSawEnd = false;
    behaviour = (s) => {
      s.setEncoding('utf8').on('data', (c: string) => {
        got += c;
      });
      s.on('end', () => {
        originSawEnd = true;
      });
      s.end('hello, then silence');
    };
    const s = await dial();
    const first = await readAll(s);
    assert.equal(first.toString(), 'hello, then silence');
    s.end('sent after the origin finished');
    await eventually(() => originSawEnd, 10_000, 'the origin sees the client end');
    assert.equal(got, 'sent after the origin finished');
  });

  test('a client that stops reading stalls the origin within a bound, then gets every byte', async () => {
    const TOTAL = 256 * 1024 * 1024; // 256 MiB offered
    const CHUNK = Buffer.alloc(1024 * 1024, 7);
    let written = 0;
    let blocked = false;
    behaviour = (s) => {
      const pump = (): void => {
        while (written < TOTAL) {
          written += CHUNK.length;
          if (!s.write(CHUNK)) {
            blocked = true;
            s.once('drain', () => {
              blocked = false;
              pump();
            });
            return;
          }
        }
        s.end();
      };
      s.on('data', () => undefined);
      pump();
    };
    const s = await dial();
    s.pause();
    // The origin is held back: blocked on its socket, and no further progress between two polls.
    let last = -1;
    await eventually(
      () => {
        const still = blocked && written === last;
        last = written;
        return still;
      },
      20_000,
      'the origin stalls',
      250,
    );
    assert.ok(written < 64 * 1024 * 1024, `the origin got ${written} bytes out to a reader that reads nothing`);
    let received = 0;
    s.on('data', (c: Buffer) => {
      received += c.length;
    });
    s.resume();
    await once(s, 'end');
    assert.equal(received, TOTAL);
    s.end();
  });
});
