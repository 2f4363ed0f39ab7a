/**
 * The HTTPS row (issue 21): warren's visitor HTTPS port (`warren serve --https-port --https-cert --https-key`,
 * one quick tunnel to bench/origin) beside nginx terminating TLS with the SAME throwaway certificate in
 * front of the same origin. Measures, alternating warren and nginx slice by slice:
 *   (a) full TLS handshakes per second: a new connection per request (no session resumption), one GET each;
 *   (b) req/s at c=50 over HTTP/1.1 keep-alive (wrk, https);
 *   (c) req/s at c=50 over h2 (node http2 client: 50 concurrent streams on 5 sessions).
 * The node clients run in their own process (bench/https-client.ts).
 *
 *   node dist/bench/https.js [--duration 10s] [--handshake-concurrency 16]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk } from './lib/load.js';
import { freePort, LOOPBACK } from './lib/net.js';
import { type Child, run, spawnChild, stopAll, treeCpuSeconds } from './lib/proc.js';
import { startConnector, startEdge } from './peers/warren.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const NGINX = '/usr/sbin/nginx';
const SLICES = 2;

/** One server's figures; the ratios are warren ÷ nginx (on nginx's own line they are 1). */
export interface HttpsRow {
  server: 'warren' | 'nginx';
  handshakesPerS: number;
  h1Rps: number;
  h2Rps: number;
  /** Failed requests over all three loads (a row with errors is flagged, never hidden). */
  errors: number;
  /** CPU of the server's processes (warren: edge + connector; nginx: master + workers), µs per handshake. */
  cpuUsPerHandshake: number;
  /** The same CPU per request of the two keep-alive loads (µs). */
  cpuUsPerH1: number;
  cpuUsPerH2: number;
  /** What the clients negotiated: TLS version and cipher of the handshake load, ALPN of the h2 sessions. */
  negotiated: { tls: string; h2Alpn: string };
  /** Highest share of one core the node client used (handshakes, h2): near 1 means the client set the pace. */
  clientBusy: { handshakes: number; h2: number };
}

export interface HttpsOptions {
  durationS: number;
  handshakeConcurrency: number;
}

interface ClientResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
  protocol: string;
  cipher: string;
  clientBusy: number;
}

interface Acc {
  /** [requests, seconds, server CPU seconds] of each load. */
  hs: number[];
  h1: number[];
  h2: number[];
  errors: number;
  busyHs: number;
  busyH2: number;
  tls: string;
  alpn: string;
}

interface Server {
  name: 'warren' | 'nginx';
  port: number;
  host: string;
  pids: number[];
}

/** A throwaway self-signed ECDSA P-256 certificate for the quick-tunnel wildcard, 127.0.0.1 and localhost. */
async function makeCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=bench.warren.localhost',
      '-addext',
      'subjectAltName=DNS:*.quick.warren.localhost,DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    20_000,
  );
  return { cert, key };
}

async function startNginx(dir: string, originPort: number, cert: string, key: string): Promise<[Child, number]> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `user root;
worker_processes auto;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  http2_max_requests 1000000;
  upstream origin {
    server ${LOOPBACK}:${originPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen ${LOOPBACK}:${port} ssl http2;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection '';
    }
  }
}
`,
  );
  return [spawnChild('nginx-https', NGINX, ['-c', conf, '-p', dir]), port];
}

async function client(spec: Record<string, unknown>, durationS: number): Promise<ClientResult> {
  const script = fileURLToPath(new URL('./https-client.js', import.meta.url));
  const c = spawnChild('https-client', process.execPath, [script, JSON.stringify(spec)]);
  const timer = setTimeout(() => c.stop(1_000), (durationS + 30) * 1000);
  try {
    const code = await c.exited;
    const line = c
      .output()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (code !== 0 || line === undefined) throw new Error(`https-client exited ${code}:\n${c.output()}`);
    return JSON.parse(line) as ClientResult;
  } finally {
    clearTimeout(timer);
    await c.stop();
  }
}

/** Waits until `GET /` through the server answers 200 (h2 client, one stream), with a deadline. */
async function waitReady(s: Server): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    const r = await client({ mode: 'h2', port: s.port, host: s.host, concurrency: 1, sessions: 1, durationS: 0.2 }, 1)
      .then((x) => (x.requests > 0 ? undefined : `${x.errors} errors`))
      .catch((err: unknown) => (err as Error).message.split('\n').slice(0, 3).join(' '));
    if (r === undefined) return;
    last = r;
    if (Date.now() > deadline) throw new Error(`${s.name} HTTPS not ready after 20 s (${last})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** The HTTPS row: markdown lines and figures. */
export async function runHttps(o: HttpsOptions): Promise<{ lines: string[]; rows: HttpsRow[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'warren-bench-https-'));
  const started: Child[] = [];
  try {
    const origin = spawnChild('origin', process.execPath, [join(repo, 'dist', 'bench', 'origin.js')]);
    started.push(origin);
    const m = await origin.waitFor(/origin listening 127\.0\.0\.1:(\d+)/, 15_000);
    const originPort = Number(m[1]);
    const { cert, key } = await makeCert(tmp);
    const ctx = { originPort, originPid: origin.pid, tmp, repo, log: () => undefined };
    const edge = await startEdge(ctx, 'warren-https', ['--https-port', '0', '--https-cert', cert, '--https-key', key]);
    started.push(edge.child);
    const httpsPort = Number((await edge.child.waitFor(/visitor https\s+https:\/\/127\.0\.0\.1:(\d+)/, 30_000))[1]);
    const conn = await startConnector(ctx, edge, 'warren-tunnel-https');
    started.push(conn.child);
    const nginxDir = join(tmp, 'nginx');
    const [ngx, ngxPort] = await startNginx(nginxDir, originPort, cert, key);
    started.push(ngx);
    const servers: Server[] = [
      { name: 'warren', port: httpsPort, host: conn.hostname, pids: [edge.child.pid, conn.child.pid] },
      { name: 'nginx', port: ngxPort, host: conn.hostname, pids: [ngx.pid] },
    ];
    for (const s of servers) await waitReady(s);
    // Whole seconds: wrk takes no fractions.
    const slice = Math.max(1, Math.round(o.durationS / SLICES));
    const acc = new Map(
      servers.map((s) => [
        s.name,
        { hs: [0, 0, 0], h1: [0, 0, 0], h2: [0, 0, 0], errors: 0, busyHs: 0, busyH2: 0, tls: '', alpn: '' },
      ]),
    );
    // Warm-up: one short slice of each load on each server, not counted.
    for (const s of servers) {
      await client({ mode: 'handshakes', port: s.port, host: s.host, concurrency: 4, durationS: 0.5 }, 0.5);
      await client({ mode: 'h2', port: s.port, host: s.host, concurrency: 10, sessions: 2, durationS: 0.5 }, 0.5);
    }
    for (let i = 0; i < SLICES; i++) {
      for (const s of servers) {
        const a = acc.get(s.name) as Acc;
        const add = (x: number[], r: { requests: number; seconds: number }, cpu0: number): void => {
          x[0] = (x[0] ?? 0) + r.requests;
          x[1] = (x[1] ?? 0) + r.seconds;
          x[2] = (x[2] ?? 0) + treeCpuSeconds(s.pids) - cpu0;
        };
        let cpu0 = treeCpuSeconds(s.pids);
        const hs = await client(
          { mode: 'handshakes', port: s.port, host: s.host, concurrency: o.handshakeConcurrency, durationS: slice },
          slice,
        );
        add(a.hs, hs, cpu0);
        a.tls = `${hs.protocol} ${hs.cipher}`;
        a.errors += hs.errors;
        a.busyHs = Math.max(a.busyHs, hs.clientBusy);
        cpu0 = treeCpuSeconds(s.pids);
        const h1 = await runWrk({
          target: { base: `https://${LOOPBACK}:${s.port}`, host: s.host },
          connections: 50,
          durationS: slice,
        });
        add(a.h1, h1, cpu0);
        a.errors += h1.errors;
        cpu0 = treeCpuSeconds(s.pids);
        const h2 = await client(
          { mode: 'h2', port: s.port, host: s.host, concurrency: 50, sessions: 5, durationS: slice },
          slice,
        );
        a.alpn = h2.protocol;
        add(a.h2, h2, cpu0);
        a.errors += h2.errors;
        a.busyH2 = Math.max(a.busyH2, h2.clientBusy);
      }
    }
    const rate = (x: number[]): number => (x[0] ?? 0) / Math.max(1e-9, x[1] ?? 0);
    const perReq = (x: number[]): number => ((x[2] ?? 0) * 1e6) / Math.max(1, x[0] ?? 0);
    const rows: HttpsRow[] = servers.map((s) => {
      const a = acc.get(s.name) as Acc;
      return {
        server: s.name,
        handshakesPerS: rate(a.hs),
        h1Rps: rate(a.h1),
        h2Rps: rate(a.h2),
        errors: a.errors,
        cpuUsPerHandshake: perReq(a.hs),
        cpuUsPerH1: perReq(a.h1),
        cpuUsPerH2: perReq(a.h2),
        negotiated: { tls: a.tls, h2Alpn: a.alpn },
        clientBusy: { handshakes: a.busyHs, h2: a.busyH2 },
      };
    });
    const ngxVersion = /nginx\/[\d.]+/.exec((await run(NGINX, ['-v'], 10_000)).out)?.[0] ?? 'nginx';
    return { lines: render(rows, slice, o.handshakeConcurrency, ngxVersion), rows };
  } finally {
    // Only this row's processes: `npm run bench` may still hold others.
    await Promise.all(started.reverse().map((c) => c.stop(15_000)));
    rmSync(tmp, { recursive: true, force: true });
  }
}

function render(rows: HttpsRow[], slice: number, hsConcurrency: number, ngx: string): string[] {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const w = rows.find((r) => r.server === 'warren');
  const n = rows.find((r) => r.server === 'nginx');
  const ratio = (f: (r: HttpsRow) => number): string =>
    w === undefined || n === undefined ? '–' : (f(w) / Math.max(1e-9, f(n))).toFixed(2);
  const lines = [
    `HTTPS row: warren's HTTPS port (serve + quick tunnel, edge and connector as two node processes: TLS at the edge, then the tunnel hop to the origin) beside ${ngx} ` +
      `(worker_processes auto) terminating TLS with the same self-signed ECDSA P-256 certificate, same origin; ` +
      `${slice * SLICES}s per load per server in ${SLICES} alternating ${slice}s slices; ${rows.map((r) => `${r.server}: ${r.negotiated.tls}, h2 sessions ${r.negotiated.h2Alpn}`).join('; ')}; ` +
      `1-minute load average ${load} at the end`,
    '',
    `| server | full TLS handshakes/s (new conn + 1 GET, c=${hsConcurrency}) | HTTP/1.1 keep-alive req/s c=50 (wrk) | h2 req/s c=50 (50 streams, 5 sessions) | server µs CPU per handshake / HTTP/1.1 req / h2 req | errors |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.server} | ${r.handshakesPerS.toFixed(0)} | ${r.h1Rps.toFixed(0)} | ${r.h2Rps.toFixed(0)} | ${r.cpuUsPerHandshake.toFixed(0)} / ${r.cpuUsPerH1.toFixed(0)} / ${r.cpuUsPerH2.toFixed(0)} | ${r.errors} |`,
    );
  lines.push(
    `| warren ÷ nginx | ${ratio((r) => r.handshakesPerS)} | ${ratio((r) => r.h1Rps)} | ${ratio((r) => r.h2Rps)} | ${ratio((r) => r.cpuUsPerHandshake)} / ${ratio((r) => r.cpuUsPerH1)} / ${ratio((r) => r.cpuUsPerH2)} | |`,
  );
  const busy = rows.map(
    (r) =>
      `${r.server}: handshakes ${(r.clientBusy.handshakes * 100).toFixed(0)} %, h2 ${(r.clientBusy.h2 * 100).toFixed(0)} %`,
  );
  lines.push(
    '',
    `The node clients' own CPU (highest slice, % of one core; near 100 % the client, not the server, set the pace): ${busy.join('; ')}.`,
  );
  return lines;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const at = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
  };
  const d = /^(\d+(?:\.\d+)?)s?$/.exec(at('--duration') ?? '10');
  if (d === null) throw new Error('--duration expects seconds, such as 10s');
  try {
    const { lines } = await runHttps({
      durationS: Number(d[1]),
      handshakeConcurrency: Number(at('--handshake-concurrency') ?? 16),
    });
    console.log(lines.join('\n'));
  } finally {
    await stopAll();
  }
}
