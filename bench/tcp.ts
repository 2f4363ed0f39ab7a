/**
 * TCP row (issue 22): 256 MiB each way through `warren access tcp` → edge → connector → a raw TCP
 * origin, beside the same transfer through `ssh -L` (Debian's sshd, default cipher) and direct.
 *
 *   npm run build && node dist/bench/tcp.js [--mib 256] [--runs 3]
 *
 * `npm run bench` runs it too (`--only tcp`), and puts its table in RESULTS.md.
 *
 * The origin answers "D" by sending N bytes and "U" by reading N bytes and answering "ok"; a
 * transfer is timed from the client's connect to its last byte (down) or to "ok" (up). Runs of
 * the three paths alternate, so a slow spell of the shared machine hits them all; the median is
 * reported, in MB/s (10^6 bytes).
 */
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, LOOPBACK, waitForPort } from './lib/net.js';
import { type Child, run, spawnChild, stopAll, treeMemory } from './lib/proc.js';
import { median } from './lib/transfer.js';
import { startEdge } from './peers/warren.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
let BYTES = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x5a);

function origin(): Server {
  return createServer((s) => {
    s.once('data', (first: Buffer) => {
      const op = first.toString('latin1', 0, 1);
      const n = Number(first.toString('latin1', 1, 16).trim());
      if (op === 'D') {
        let left = n;
        const pump = (): void => {
          while (left > 0) {
            const c = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
            left -= c.length;
            if (!s.write(c)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      } else {
        let got = first.length - 16;
        if (got >= n) s.end('ok');
        s.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= n) s.end('ok');
        });
      }
    });
    s.on('error', () => undefined);
  });
}

/** One transfer through localhost:port; resolves with MB/s. */
async function transfer(port: number, dir: 'down' | 'up'): Promise<number> {
  const started = process.hrtime.bigint();
  const s = connect({ host: LOOPBACK, port });
  await once(s, 'connect');
  s.write(`${dir === 'down' ? 'D' : 'U'}${String(BYTES).padEnd(15)}`);
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    s.on('data', (c: Buffer) => {
      got += c.length;
    });
    s.once('end', () => resolve());
    s.once('error', reject);
  });
  if (dir === 'up') {
    let left = BYTES;
    while (left > 0) {
      left -= CHUNK.length;
      if (!s.write(CHUNK)) await once(s, 'drain');
    }
  }
  await done;
  s.destroy();
  if (dir === 'down' && got !== BYTES) throw new Error(`got ${got} of ${BYTES} bytes`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return BYTES / 1e6 / seconds;
}

async function sshForward(tmp: string, originPort: number): Promise<{ port: number; children: Child[] }> {
  const dir = join(tmp, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const k of ['host_key', 'client_key'])
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)], 20_000);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  const sshPort = await freePort();
  const conf = join(dir, 'sshd_config');
  writeFileSync(
    conf,
    [
      `Port ${sshPort}`,
      `ListenAddress ${LOOPBACK}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshd = spawnChild('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', conf]);
  await waitForPort(sshPort, 15_000, 'sshd');
  const port = await freePort();
  const ssh = spawnChild('ssh -L', 'ssh', [
    '-N',
    '-i',
    join(dir, 'client_key'),
    '-p',
    String(sshPort),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'ExitOnForwardFailure=yes',
    '-L',
    `${LOOPBACK}:${port}:${LOOPBACK}:${originPort}`,
    `root@${LOOPBACK}`,
  ]);
  await waitForPort(port, 15_000, 'ssh -L');
  return { port, children: [sshd, ssh] };
}

async function warrenForward(tmp: string, originPort: number): Promise<{ port: number; children: Child[] }> {
  const ctx = { originPort, originPid: process.pid, tmp, repo, log: () => undefined };
  const edge = await startEdge(ctx, 'warren-serve');
  const main = join(repo, 'dist', 'src', 'cli', 'main.js');
  const connector = spawnChild('warren tunnel', process.execPath, [
    main,
    'tunnel',
    '--url',
    `tcp://${LOOPBACK}:${originPort}`,
    '--edge',
    `${LOOPBACK}:${edge.tunnelPort}`,
    '--edge-ca',
    edge.caPath,
    '--loglevel',
    'warn',
  ]);
  const m = await connector.waitFor(/Your quick tunnel is ready: http:\/\/([^:/\s]+)/, 30_000);
  const port = await freePort();
  const client = spawnChild('warren access tcp', process.execPath, [
    main,
    'access',
    'tcp',
    '--hostname',
    m[1] as string,
    '--url',
    `${LOOPBACK}:${port}`,
    '--edge',
    `http://${LOOPBACK}:${edge.httpPort}`,
  ]);
  await client.waitFor(/listening on/, 30_000);
  return { port, children: [edge.child, connector, client] };
}

/** One path's figures: median MB/s each way (and its ratio to direct), the hop's RSS after. */
export interface TcpRow {
  path: string;
  downMBs: number;
  upMBs: number;
  downRatio: number;
  upRatio: number;
  rssMiB: number | undefined;
}

/** The TCP row: direct, `ssh -L` and `warren access tcp`, `mib` MiB each way, median of `runs`; markdown lines and figures. */
export async function runTcp(mib: number, runs: number): Promise<{ lines: string[]; rows: TcpRow[] }> {
  BYTES = mib * 1024 * 1024;
  const MIB = mib;
  const RUNS = runs;
  const lines: string[] = [];
  const rows: TcpRow[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'warren-bench-tcp-'));
  const started: Child[] = [];
  const server = origin().listen(0, LOOPBACK);
  await once(server, 'listening');
  const originPort = (server.address() as { port: number }).port;
  try {
    const paths: [string, { port: number; children: Child[] }][] = [
      ['direct', { port: originPort, children: [] }],
      ['ssh -L', await sshForward(tmp, originPort)],
      ['warren access tcp', await warrenForward(tmp, originPort)],
    ];
    for (const [, p] of paths) started.push(...p.children);
    const figures = new Map<string, { down: number[]; up: number[] }>(paths.map(([n]) => [n, { down: [], up: [] }]));
    for (let r = 0; r < RUNS; r++) {
      for (const [name, p] of paths) {
        const f = figures.get(name) as { down: number[]; up: number[] };
        f.down.push(await transfer(p.port, 'down'));
        f.up.push(await transfer(p.port, 'up'));
      }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    lines.push(
      `TCP row: ${MIB} MiB each way, median of ${RUNS}, on ${LOOPBACK}; 1-minute load average ${load} at the end`,
      '',
      `| path | ${MIB} MiB down MB/s | ${MIB} MiB up MB/s | RSS MiB (hop's processes) |`,
      '|---|---:|---:|---:|',
    );
    const direct = figures.get('direct') as { down: number[]; up: number[] };
    for (const [name, p] of paths) {
      const f = figures.get(name) as { down: number[]; up: number[] };
      const d = median(f.down);
      const u = median(f.up);
      const rss = p.children.length === 0 ? undefined : treeMemory(p.children.map((c) => c.pid)).rss / 1048576;
      const row: TcpRow = {
        path: name,
        downMBs: d,
        upMBs: u,
        downRatio: d / median(direct.down),
        upRatio: u / median(direct.up),
        rssMiB: rss,
      };
      rows.push(row);
      lines.push(
        `| ${name} | ${d.toFixed(1)} (${row.downRatio.toFixed(2)}) | ${u.toFixed(1)} (${row.upRatio.toFixed(2)}) | ${rss === undefined ? '–' : rss.toFixed(1)} |`,
      );
    }
  } finally {
    server.close();
    // Only this row's processes: `npm run bench` may still hold others.
    await Promise.all(started.map((c) => c.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }
  return { lines, rows };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { lines } = await runTcp(arg('--mib', 256), arg('--runs', 3));
    console.log(lines.join('\n'));
  } finally {
    await stopAll();
  }
}
