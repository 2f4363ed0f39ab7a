/**
 * A small keep-alive HTTP/1.1 load generator (node only), for the smoke run and machines without wrk:
 * `node dist/bench/loadgen.js '{"base":"http://127.0.0.1:P","hosts":[],"connections":50,"durationS":10}'`.
 * N connections each send one GET / at a time for the duration; prints one JSON LoadResult line.
 */
import { connect, type Socket } from 'node:net';

interface Spec {
  base: string;
  hosts: string[];
  connections: number;
  durationS: number;
  /** Extra request headers (e.g. an Access cookie). */
  headers?: Record<string, string>;
  /** The request target (default `/`). */
  path?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const url = new URL(spec.base);
if (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') throw new Error('loadgen: loopback targets only');
const port = Number(url.port || 80);
const defaultHost = url.host;
const hosts = spec.hosts.length > 0 ? spec.hosts : [defaultHost];
const extra = Object.entries(spec.headers ?? {})
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('');
const requests = hosts.map((h) => Buffer.from(`GET ${spec.path ?? '/'} HTTP/1.1\r\nHost: ${h}\r\n${extra}\r\n`));
const latencies: number[] = [];
let errors = 0;
let next = 0;
const started = performance.now();
const endAt = started + spec.durationS * 1000;

/** One connection: request, read one whole response (Content-Length or chunked), repeat. */
function worker(): Promise<void> {
  return new Promise((resolve) => {
    let socket: Socket;
    let buf: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const open = (): void => {
      socket = connect(port, url.hostname.replace(/^\[|\]$/g, ''));
      socket.setNoDelay(true);
      socket.on('connect', send);
      socket.on('data', onData);
      socket.on('error', () => {
        errors++;
      });
      socket.on('close', () => {
        if (performance.now() < endAt) setImmediate(open);
        else resolve();
      });
      buf = Buffer.alloc(0);
    };
    const send = (): void => {
      if (performance.now() >= endAt) {
        socket.end();
        return;
      }
      sentAt = performance.now();
      socket.write(requests[next++ % requests.length] as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.subarray(0, headEnd).toString('latin1');
        const status = Number(head.slice(9, 12));
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        let total: number;
        if (cl !== null) {
          total = headEnd + 4 + Number(cl[1]);
        } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
          const end = buf.indexOf('\r\n0\r\n\r\n', headEnd);
          if (end < 0) return;
          total = end + 7;
        } else {
          errors++;
          socket.destroy();
          return;
        }
        if (buf.length < total) return;
        buf = buf.subarray(total);
        if (status >= 200 && status < 400) latencies.push(performance.now() - sentAt);
        else errors++;
        send();
      }
    };
    open();
  });
}

await Promise.all(Array.from({ length: spec.connections }, () => worker()));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    tool: 'node',
    connections: spec.connections,
    seconds,
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: pct(50),
    p99: pct(99),
    errors,
  })}\n`,
);
