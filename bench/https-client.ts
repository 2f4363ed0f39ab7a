/**
 * The HTTPS row's node client (bench/https.ts), in its own process so it does not share the driver's thread:
 *   node dist/bench/https-client.js '{"mode":"handshakes","port":P,"host":"h","concurrency":16,"durationS":10}'
 *   node dist/bench/https-client.js '{"mode":"h2","port":P,"host":"h","concurrency":50,"sessions":5,"durationS":10}'
 * handshakes: `concurrency` loops, each a new TLS connection (full handshake: no session is offered), one
 * `GET /` with `Connection: close`, read to the end, repeat. h2: `sessions` HTTP/2 sessions carrying
 * `concurrency` streams in all, each stream `GET /` then the next one, until the deadline.
 * Loopback only; the certificate is the bench's throwaway self-signed one (not verified).
 * Prints one JSON line: { mode, seconds, requests, rps, errors, p50, p99, protocol, cipher, clientBusy }.
 */
import { type ClientHttp2Session, connect as h2connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';

interface Spec {
  mode: 'handshakes' | 'h2';
  port: number;
  /** Host header / :authority and SNI (the tunnel's hostname). */
  host: string;
  concurrency: number;
  sessions?: number;
  durationS: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const ADDRESS = '127.0.0.1';
const latencies: number[] = [];
let errors = 0;
let protocol = '';
let cipher = '';
const started = performance.now();
const cpu0 = process.cpuUsage();
const endAt = started + spec.durationS * 1000;
// Every request is bounded: a stuck one counts as an error after this long.
const REQUEST_TIMEOUT_MS = 10_000;

function oneHandshake(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let got = '';
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
      socket.destroy();
      resolve();
    };
    const socket = tlsConnect({
      host: ADDRESS,
      port: spec.port,
      servername: spec.host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => finish(false));
    socket.once('secureConnect', () => {
      if (protocol === '') {
        protocol = socket.getProtocol() ?? '';
        cipher = socket.getCipher().name;
      }
      socket.write(`GET / HTTP/1.1\r\nHost: ${spec.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      if (got.length < 4096) got += c;
    });
    socket.once('end', () => finish(got.startsWith('HTTP/1.1 200') && got.endsWith('Hello, world\n')));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(got.startsWith('HTTP/1.1 200') && got.endsWith('Hello, world\n')));
  });
}

async function handshakes(): Promise<void> {
  const loop = async (): Promise<void> => {
    while (performance.now() < endAt) await oneHandshake();
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
}

function oneStream(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let status = 0;
    let body = '';
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
      resolve();
    };
    const req = session.request({ ':method': 'GET', ':path': '/', ':authority': spec.host });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.close();
      finish(false);
    });
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.once('end', () => finish(status === 200 && body === 'Hello, world\n'));
    req.once('error', () => finish(false));
    req.once('close', () => finish(status === 200 && body === 'Hello, world\n'));
  });
}

async function h2(): Promise<void> {
  const n = Math.max(1, spec.sessions ?? 5);
  const sessions = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ClientHttp2Session>((resolve, reject) => {
          // The TLS socket made here so Nagle is off (node's http2 client leaves it on), as wrk and nginx do.
          const s = h2connect(`https://${ADDRESS}:${spec.port}`, {
            createConnection: () => {
              const t = tlsConnect({
                host: ADDRESS,
                port: spec.port,
                servername: spec.host,
                rejectUnauthorized: false,
                ALPNProtocols: ['h2'],
              });
              t.setNoDelay(true);
              return t;
            },
          });
          s.once('connect', () => {
            if (protocol === '') protocol = `ALPN ${s.alpnProtocol ?? '?'}`;
            resolve(s);
          });
          s.once('error', reject);
        }),
    ),
  );
  try {
    const loop = async (i: number): Promise<void> => {
      const s = sessions[i % n] as ClientHttp2Session;
      while (performance.now() < endAt && !s.destroyed) await oneStream(s);
    };
    await Promise.all(Array.from({ length: spec.concurrency }, (_, i) => loop(i)));
  } finally {
    for (const s of sessions) s.destroy();
  }
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

await (spec.mode === 'h2' ? h2() : handshakes());
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    mode: spec.mode,
    seconds,
    requests: latencies.length,
    rps: latencies.length / seconds,
    errors,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    protocol,
    cipher,
    // Share of one core the client itself used: near 1 means the client, not the server, set the pace.
    clientBusy: (cpu.user + cpu.system) / 1e6 / seconds,
  })}\n`,
);
