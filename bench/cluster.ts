/**
 * The cluster rows (issue 23), on one PostgreSQL (WARREN_BENCH_DATABASE_URL, else a throwaway cluster
 * started like .ci/postgres.sh; without either the rows are skipped with the reason):
 *   (a) `warren control` + edges A and B (`warren edge --workers 1`), one connector linked to A only
 *       (4 links); wrk c=50 at B (every request forwarded B → A over the peer link) vs at A (local) vs
 *       the origin directly, alternating slices; CPU µs per request of edge A + edge B + connector.
 *   (b) `warren edge --workers 2` vs `--workers 1` (one connector, 4 links placed by the kernel), c=50:
 *       unpinned, and with wrk and the origin pinned to core 1 (`taskset -c 1`) and the edge and
 *       connector on core 0 or on both cores.
 *
 *   node dist/bench/cluster.js [--duration 10s]
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type LoadResult, parseWrk } from './lib/load.js';
import { freePort, LOOPBACK, waitForOk } from './lib/net.js';
import { type Child, run, spawnChild, stopAll, treeCpuSeconds } from './lib/proc.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const MAIN = join(repo, 'dist', 'src', 'cli', 'main.js');
const HOST = 'bench.example.com';
const ADMIN = { email: 'bench@example.test', token: randomBytes(24).toString('hex') };
const SLICES = 2;

export interface ClusterLoad {
  label: string;
  rps: number;
  p99: number;
  errors: number;
  /** CPU of the warren processes (edges + connector) per request, µs; undefined for the direct origin. */
  cpuUsPerRequest: number | undefined;
}

export interface ClusterResult {
  database: string;
  forwarding: ClusterLoad[];
  workers: ClusterLoad[];
}

/** `[taskset -c CPUS] cmd args`. */
function pinned(cpusList: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpusList === undefined ? [cmd, args] : ['taskset', ['-c', cpusList, cmd, ...args]];
}

async function wrk(port: number, host: string | undefined, durationS: number, cpusList?: string): Promise<LoadResult> {
  const args = ['-t1', '-c50', `-d${durationS}s`, '--latency', '--timeout', '10s'];
  if (host !== undefined) args.push('-H', `Host: ${host}`);
  args.push(`http://${LOOPBACK}:${port}/`);
  const [cmd, argv] = pinned(cpusList, 'wrk', args);
  const c = spawnChild('wrk', cmd, argv);
  try {
    const code = await c.exited;
    if (code !== 0) throw new Error(`wrk exited ${code}:\n${c.output()}`);
    return parseWrk(c.output(), 50);
  } finally {
    await c.stop();
  }
}

/** A database for this run: a fresh one in WARREN_BENCH_DATABASE_URL's server, else in a throwaway cluster. */
async function database(tmp: string): Promise<{ url: string; where: string; close: () => Promise<void> }> {
  let base = process.env.WARREN_BENCH_DATABASE_URL;
  let where = 'WARREN_BENCH_DATABASE_URL';
  let stopServer = async (): Promise<void> => {};
  if (base === undefined || base === '') {
    const root = '/usr/lib/postgresql';
    const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
    if (version === undefined)
      throw new Error('no WARREN_BENCH_DATABASE_URL and no PostgreSQL under /usr/lib/postgresql');
    const bin = join(root, version, 'bin');
    const dir = mkdtempSync(join(tmpdir(), 'warren-bench-pg-'));
    const port = await freePort();
    const asPg = (line: string): [string, string[]] =>
      process.getuid?.() === 0 ? ['su', ['postgres', '-c', line]] : ['sh', ['-c', line]];
    if (process.getuid?.() === 0) await run('chown', ['postgres', dir], 10_000);
    const init = await run(...asPg(`${bin}/initdb -D ${dir}/data -U postgres -A trust`), 120_000);
    if (init.code !== 0) throw new Error(`initdb failed: ${init.out.slice(-500)}`);
    const start = await run(
      ...asPg(
        `${bin}/pg_ctl -D ${dir}/data -l ${dir}/log -o '-c listen_addresses=${LOOPBACK} -p ${port} -k ${dir} -c fsync=off' -w start`,
      ),
      60_000,
    );
    if (start.code !== 0) throw new Error(`pg_ctl start failed: ${start.out.slice(-500)}`);
    base = `postgres://postgres@${LOOPBACK}:${port}/postgres`;
    where = `throwaway PostgreSQL ${version} (fsync off)`;
    stopServer = async () => {
      await run(...asPg(`${bin}/pg_ctl -D ${dir}/data -m immediate stop`), 30_000).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const name = `warren_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  void tmp;
  return {
    url: url.toString(),
    where,
    close: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
      await stopServer();
    },
  };
}

interface Ctx {
  tmp: string;
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
}

function warren(ctx: Ctx, name: string, args: string[], cpusList?: string): Child {
  const [cmd, argv] = pinned(cpusList, process.execPath, [MAIN, ...args, '--loglevel', 'warn']);
  return spawnChild(name, cmd, argv, { env: { ...process.env, ...ctx.env } });
}

async function edge(
  ctx: Ctx,
  name: string,
  workers: number,
  cpusList?: string,
): Promise<{ child: Child; httpPort: number; tunnelPort: number; caPath: string }> {
  const child = warren(
    ctx,
    `edge-${name}`,
    [
      'edge',
      '--database-url',
      ctx.databaseUrl,
      '--name',
      name,
      '--workers',
      String(workers),
      '--data-dir',
      mkdtempSync(join(ctx.tmp, `edge-${name}-`)),
      '--http-port',
      '0',
      '--tunnel-port',
      '0',
    ],
    cpusList,
  );
  const http = await child.waitFor(/visitor http\s+http:\/\/[^:]+:(\d+)/, 90_000);
  const tunnel = await child.waitFor(/tunnel\s+\S+:(\d+)/, 10_000);
  const ca = await child.waitFor(/edge CA\s+(\S+)/, 10_000);
  return { child, httpPort: Number(http[1]), tunnelPort: Number(tunnel[1]), caPath: ca[1] as string };
}

function connector(ctx: Ctx, token: string, tunnelPort: number, caPath: string, originPort: number, cpusList?: string) {
  return warren(
    ctx,
    'connector',
    [
      'tunnel',
      'run',
      '--edge',
      `${LOOPBACK}:${tunnelPort}`,
      '--edge-ca',
      caPath,
      '--token',
      token,
      '--url',
      `http://${LOOPBACK}:${originPort}`,
    ],
    cpusList,
  );
}

/** A zone, a tunnel routed at HOST, its token (through `warren control`'s API). */
async function routedTunnel(apiBase: string): Promise<string> {
  const api = async <R>(method: string, path: string, body?: unknown): Promise<R> => {
    const res = await fetch(`${apiBase}/client/v4${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const j = (await res.json()) as { success: boolean; result: R; errors: unknown };
    if (!j.success) throw new Error(`${method} ${path}: ${JSON.stringify(j.errors)}`);
    return j.result;
  };
  const account = (await api<{ id: string }[]>('GET', '/accounts'))[0]?.id as string;
  const zone = (await api<{ id: string }>('POST', '/zones', { account: { id: account }, name: 'example.com' })).id;
  const tunnel = (await api<{ id: string }>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'bench' })).id;
  await api('PUT', `/zones/${zone}/tunnels/${tunnel}/routes`, { type: 'dns', user_hostname: HOST });
  return api<string>('GET', `/accounts/${account}/cfd_tunnel/${tunnel}/token`);
}

/** Alternating slices of each load; CPU of `pids` (with descendants) over each load's own slices. */
async function measure(
  loads: { label: string; port: number; host: string | undefined; pids: number[]; cpus?: string }[],
  durationS: number,
): Promise<ClusterLoad[]> {
  const acc = loads.map(() => ({ requests: 0, seconds: 0, cpu: 0, p99: 0, errors: 0 }));
  for (const l of loads) await wrk(l.port, l.host, 1, l.cpus);
  const slice = Math.max(1, Math.round(durationS / SLICES));
  for (let s = 0; s < SLICES; s++) {
    for (const [i, l] of loads.entries()) {
      const a = acc[i] as (typeof acc)[number];
      const cpu0 = treeCpuSeconds(l.pids);
      const r = await wrk(l.port, l.host, slice, l.cpus);
      a.cpu += treeCpuSeconds(l.pids) - cpu0;
      a.requests += r.requests;
      a.seconds += r.seconds;
      a.p99 = Math.max(a.p99, r.p99);
      a.errors += r.errors;
    }
  }
  return loads.map((l, i) => {
    const a = acc[i] as (typeof acc)[number];
    return {
      label: l.label,
      rps: a.requests / a.seconds,
      p99: a.p99,
      errors: a.errors,
      cpuUsPerRequest: l.pids.length === 0 ? undefined : (a.cpu / a.requests) * 1e6,
    };
  });
}

async function origin(cpusList?: string): Promise<{ child: Child; port: number }> {
  const [cmd, argv] = pinned(cpusList, process.execPath, [join(repo, 'dist', 'bench', 'origin.js')]);
  const child = spawnChild('origin', cmd, argv);
  const m = await child.waitFor(/origin listening 127\.0\.0\.1:(\d+)/, 15_000);
  return { child, port: Number(m[1]) };
}

/** Both rows; markdown lines in RESULTS.md's style and the figures. */
export async function runCluster(o: { durationS: number }): Promise<{ lines: string[]; value: ClusterResult }> {
  const tmp = mkdtempSync(join(tmpdir(), 'warren-bench-cluster-'));
  const db = await database(tmp);
  const started: Child[] = [];
  try {
    const ctx: Ctx = {
      tmp,
      databaseUrl: db.url,
      env: {
        WARREN_SECRET_KEY: randomBytes(32).toString('base64'),
        WARREN_ADMIN_EMAIL: ADMIN.email,
        WARREN_ADMIN_TOKEN: ADMIN.token,
      },
    };
    const control = warren(ctx, 'control', [
      'control',
      '--database-url',
      db.url,
      '--data-dir',
      mkdtempSync(join(tmp, 'control-')),
      '--api-port',
      '0',
    ]);
    started.push(control);
    const apiPort = Number((await control.waitFor(/api\s+http:\/\/[^:]+:(\d+)/, 90_000))[1]);
    const token = await routedTunnel(`http://${LOOPBACK}:${apiPort}`);

    // (a) forwarded vs local vs direct.
    const org = await origin();
    started.push(org.child);
    const a = await edge(ctx, 'a', 1);
    const b = await edge(ctx, 'b', 1);
    started.push(a.child, b.child);
    const conn = connector(ctx, token, a.tunnelPort, a.caPath, org.port);
    started.push(conn);
    await waitForOk({ base: `http://${LOOPBACK}:${b.httpPort}`, host: HOST }, '/', 'Hello', 30_000);
    const warrenPids = [a.child.pid, b.child.pid, conn.pid];
    const forwarding = await measure(
      [
        { label: 'direct origin', port: org.port, host: undefined, pids: [] },
        { label: 'edge A (holds the links)', port: a.httpPort, host: HOST, pids: warrenPids },
        { label: 'edge B (forwards to A)', port: b.httpPort, host: HOST, pids: warrenPids },
      ],
      o.durationS,
    );
    for (const c of [conn, a.child, b.child, org.child]) await c.stop(10_000);

    // (b) --workers 2 vs 1, unpinned and pinned.
    const workers: ClusterLoad[] = [];
    const multi = cpus().length > 1;
    const layouts: { label: string; gen?: string; edge?: string }[] = [
      { label: 'unpinned' },
      ...(multi
        ? [
            { label: 'wrk+origin on core 1, edge+connector on core 0', gen: '1', edge: '0' },
            { label: 'wrk+origin on core 1, edge+connector on both', gen: '1', edge: '0,1' },
          ]
        : []),
    ];
    for (const layout of layouts) {
      const og = await origin(layout.gen);
      const loads: Parameters<typeof measure>[0] = [];
      const stops: Child[] = [og.child];
      for (const n of [1, 2]) {
        const e = await edge(ctx, `w${n}${layouts.indexOf(layout)}`, n, layout.edge);
        const c = connector(ctx, token, e.tunnelPort, e.caPath, og.port, layout.edge);
        stops.push(c, e.child);
        await waitForOk({ base: `http://${LOOPBACK}:${e.httpPort}`, host: HOST }, '/', 'Hello', 30_000);
        const l = {
          label: `--workers ${n}, ${layout.label}`,
          port: e.httpPort,
          host: HOST,
          pids: [e.child.pid, c.pid],
        };
        loads.push(layout.gen === undefined ? l : { ...l, cpus: layout.gen });
      }
      workers.push(...(await measure(loads, o.durationS)));
      for (const c of stops) await c.stop(10_000);
    }
    return { lines: render(forwarding, workers, db.where), value: { database: db.where, forwarding, workers } };
  } finally {
    for (const c of started) await c.stop(5_000);
    await db.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function render(forwarding: ClusterLoad[], workers: ClusterLoad[], where: string): string[] {
  const [direct, local, fwd] = forwarding;
  const ratio = (x: ClusterLoad | undefined, y: ClusterLoad | undefined): string =>
    x === undefined || y === undefined ? '–' : (x.rps / y.rps).toFixed(2);
  const cpu = (x: ClusterLoad): string => (x.cpuUsPerRequest === undefined ? '–' : x.cpuUsPerRequest.toFixed(0));
  const row = (x: ClusterLoad, r: string): string =>
    `| ${x.label} | ${x.rps.toFixed(0)} | ${r} | ${x.p99.toFixed(2)} | ${cpu(x)} | ${x.errors} |`;
  const lines = [
    `PostgreSQL: ${where}. wrk -t1 -c50, alternating slices. CPU: edge A + edge B + connector (from /proc), µs per request.`,
    '',
    '| c=50 at | req/s | ÷ direct | p99 ms | CPU µs/req | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...forwarding.map((x) => row(x, ratio(x, direct))),
    '',
    `Forwarded ÷ local: ${ratio(fwd, local)} (the issue aims at ≥ 0.6 ÷ a direct single edge).`,
    '',
    '| --workers, layout | req/s | ÷ --workers 1 | p99 ms | CPU µs/req (edge + connector) | errors |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (let i = 0; i < workers.length; i += 2) {
    const one = workers[i];
    const two = workers[i + 1];
    if (one !== undefined) lines.push(row(one, '1.00'));
    if (two !== undefined) lines.push(row(two, ratio(two, one)));
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--duration');
  const durationS = i < 0 ? 10 : Number.parseFloat(process.argv[i + 1] ?? '10');
  runCluster({ durationS })
    .then((r) => process.stdout.write(`${r.lines.join('\n')}\n`))
    .catch(async (err: unknown) => {
      process.stderr.write(`cluster bench failed: ${(err as Error).stack ?? String(err)}\n`);
      await stopAll();
      process.exit(1);
    });
}
