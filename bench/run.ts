/**
 * `npm run bench`: warren side by side with the direct origin, nginx, ssh -R and localtunnel, in one run,
 * plus a reference row: two bare node TCP relays (what any node two-hop tunnel can reach here).
 *
 *   node dist/bench/run.js [--smoke] [--only direct,relay,nginx,ssh,localtunnel,warren,scale,dns,access,tcp,https,cluster]
 *                          (direct runs too, except with --only access alone: that runs just the Access pair)
 *                          [--duration 10s] [--warmup 3s] [--transfers 5] [--transfer-mib 64] [--ws 10s]
 *                          [--tunnels 1000] [--scale-workers 4] [--no-profile] [--no-install] [--loads-only]
 *                          [--loadgen wrk|node] [--warren-node-flags "--flag=v ..."] [--out DIR]
 *
 * --loads-only measures the request loads (c=1, c=50, the 10 KiB page) and their CPU, without the transfers,
 * WebSocket echo and RSS: a quick before/after of a change's hop CPU per request ÷ ssh -R's (`--only warren,ssh`).
 *
 * --warren-node-flags passes node/V8 flags to warren's own processes only (serve, tunnel, the scale workers):
 * an A/B of a memory or GC setting shows its RSS and its CPU per request in the same run.
 *
 * Writes DIR/RESULTS.md and DIR/results.json (DIR = bench/ by default; --smoke writes to a temporary folder
 * unless --out is given). Every child process runs in its own process group and is stopped at the end,
 * also on errors and Ctrl-C.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAccessBench } from './access.js';
import { runCluster } from './cluster.js';
import { runDnsBench } from './dns.js';
import { runHttps } from './https.js';
import { type LoadResult, type LoadSpec, mergeLoads, runNodeLoad, runWrk } from './lib/load.js';
import { LOOPBACK } from './lib/net.js';
import { PAGE_HEADERS, PAGE_PATH } from './lib/page.js';
import { RssSampler, run, spawnChild, stopAll, treeCpuSeconds, treeMemory } from './lib/proc.js';
import { nowUs, type ProfileSummary, summariseProfile } from './lib/profile.js';
import { ratiosOf, renderMarkdown } from './lib/report.js';
import type { BenchResults, Measured, ProfilePhase, RowResult } from './lib/results.js';
import { download, median, upload, wsEcho } from './lib/transfer.js';
import { direct } from './peers/direct.js';
import { localtunnel } from './peers/localtunnel.js';
import { nginx } from './peers/nginx.js';
import { nodeRelay } from './peers/node-relay.js';
import type { Peer, PeerContext } from './peers/peer.js';
import { ssh } from './peers/ssh.js';
import { HA_CONNECTIONS, warren } from './peers/warren.js';
import { runScale } from './scale.js';
import { runTcp } from './tcp.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const MiB = 1024 * 1024;

interface Options {
  smoke: boolean;
  only: Set<string> | undefined;
  durationS: number;
  warmupS: number;
  transfers: number;
  transferMiB: number;
  wsS: number;
  tunnels: number;
  scaleWorkers: number;
  profile: boolean;
  install: boolean;
  loadsOnly: boolean;
  loadgen: 'wrk' | 'node' | undefined;
  warrenNodeFlags: string[];
  out: string | undefined;
}

function seconds(flag: string, v: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v ?? '');
  if (m === null) throw new Error(`${flag} expects a duration such as 10s or 500ms (got "${v}")`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} expects an integer ≥ ${min} (got "${v}")`);
  return n;
}

function parseArgs(argv: string[]): Options {
  const smoke = argv.includes('--smoke');
  const o: Options = {
    smoke,
    // The smoke run needs nothing outside node: direct, warren, a small scale run and the Access pair.
    only: smoke ? new Set(['direct', 'warren', 'scale', 'access']) : undefined,
    durationS: smoke ? 1 : 10,
    warmupS: smoke ? 0.5 : 3,
    transfers: smoke ? 1 : 5,
    transferMiB: smoke ? 4 : 64,
    wsS: smoke ? 1 : 10,
    tunnels: smoke ? 10 : 1000,
    scaleWorkers: smoke ? 1 : 4,
    profile: !smoke,
    install: !smoke,
    loadsOnly: false,
    loadgen: smoke ? 'node' : undefined,
    warrenNodeFlags: [],
    out: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--smoke':
        break;
      case '--only':
        o.only = new Set((next() ?? '').split(',').map((s) => s.trim().toLowerCase()));
        break;
      case '--duration':
        o.durationS = seconds(a, next());
        break;
      case '--warmup':
        o.warmupS = seconds(a, next());
        break;
      case '--ws':
        o.wsS = seconds(a, next());
        break;
      case '--transfers':
        o.transfers = int(a, next(), 1);
        break;
      case '--transfer-mib':
        o.transferMiB = int(a, next(), 1);
        break;
      case '--tunnels':
        o.tunnels = int(a, next(), 1);
        break;
      case '--scale-workers':
        o.scaleWorkers = int(a, next(), 1);
        break;
      case '--no-profile':
        o.profile = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--no-install':
        o.install = false;
        break;
      case '--loads-only':
        o.loadsOnly = true;
        break;
      case '--loadgen': {
        const v = next();
        if (v !== 'wrk' && v !== 'node') throw new Error('--loadgen expects wrk or node');
        o.loadgen = v;
        break;
      }
      case '--warren-node-flags':
        o.warrenNodeFlags = (next() ?? '').split(/\s+/).filter((f) => f !== '');
        if (!o.warrenNodeFlags.every((f) => f.startsWith('--')))
          throw new Error('--warren-node-flags expects node flags such as "--max-semi-space-size=8"');
        break;
      case '--out':
        o.out = next();
        break;
      case '--help':
        process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${a} (see --help)`);
    }
  }
  return o;
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, cmd)));
}

/** Runs .ci/bench-deps.sh (apt-get, idempotent) when wrk, nginx, sshd or (for the DNS row) nsd is missing. */
async function ensureDeps(notes: string[], dns: boolean): Promise<void> {
  const missing = [
    !which('wrk') && 'wrk',
    !existsSync('/usr/sbin/nginx') && 'nginx',
    !existsSync('/usr/sbin/sshd') && 'sshd',
    !which('ssh') && 'ssh',
    dns && !existsSync('/usr/sbin/nsd') && 'nsd',
  ].filter((x): x is string => x !== false);
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} with .ci/bench-deps.sh (apt-get)`);
  const c = spawnChild('bench-deps', 'bash', [join(repo, '.ci', 'bench-deps.sh')]);
  const t = setTimeout(() => c.stop(2_000), 600_000);
  const code = await c.exited;
  clearTimeout(t);
  await c.stop();
  if (code !== 0)
    notes.push(`.ci/bench-deps.sh failed (${code}): ${c.output().trim().split('\n').slice(-3).join(' ')}`);
}

async function measure<T>(what: string, f: () => Promise<T>): Promise<Measured<T>> {
  try {
    return { value: await f() };
  } catch (err) {
    log(`${what} failed: ${(err as Error).message.split('\n')[0]}`);
    return { error: (err as Error).message.split('\n')[0] };
  }
}

function emptyRow(name: string, status: RowResult['status'], note: string): RowResult {
  return {
    name,
    status,
    note,
    c1: {},
    c50: {},
    page: {},
    download: {},
    upload: {},
    ws: {},
    rss: {},
    extra: {},
    cpu: {},
  };
}

async function benchPeer(
  peer: Peer,
  ctx: PeerContext,
  o: Options,
  load: (s: LoadSpec) => Promise<LoadResult>,
): Promise<RowResult> {
  const why = await peer.unavailable();
  if (why !== undefined) {
    log(`${peer.name}: skipped (${why})`);
    return emptyRow(peer.name, 'skipped', why);
  }
  log(`${peer.name}: starting`);
  let running: Awaited<ReturnType<Peer['start']>>;
  try {
    running = await peer.start(ctx);
  } catch (err) {
    const msg = (err as Error).message;
    log(`${peer.name}: could not start: ${msg}`);
    return emptyRow(peer.name, 'failed', `could not start: ${msg.split('\n').slice(0, 3).join(' ')}`);
  }
  const row = emptyRow(peer.name, 'ok', peer.describe());
  row.extra = running.extra;
  try {
    const t = running.target;
    const bytes = o.transferMiB * MiB;
    const transferTimeout = Math.max(60_000, (bytes / 2e6) * 1000);
    await measure(`${peer.name} warm-up`, () => load({ target: t, connections: 50, durationS: o.warmupS }));
    const roles: Record<string, number> = { ...running.roles };
    if (roles.origin === undefined) roles.origin = ctx.originPid;
    // Every row but direct is measured in slices alternating with direct (see sliceCount).
    const base = peer === direct ? undefined : { base: `http://${LOOPBACK}:${ctx.originPort}`, host: undefined };
    const slices = base === undefined ? 1 : sliceCount(o);
    const sliceS = o.durationS / slices;
    const baseline: NonNullable<RowResult['baseline']> = {};
    if (base !== undefined) row.baseline = baseline;
    /** A load in slices (each after the same slice on direct), and the CPU each process spent on it (µs per request). */
    const withCpu = async (
      connections: number,
      request: Pick<LoadSpec, 'path' | 'headers'> = {},
      sampler?: RssSampler,
    ): Promise<{ r: LoadResult; direct: LoadResult | undefined; cpu: Record<string, number> }> => {
      const spent: Record<string, number> = {};
      const parts: LoadResult[] = [];
      const directParts: LoadResult[] = [];
      for (let i = 0; i < slices; i++) {
        if (base !== undefined)
          directParts.push(await load({ target: base, connections, durationS: sliceS, ...request }));
        const before = Object.fromEntries(Object.entries(roles).map(([k, pid]) => [k, treeCpuSeconds([pid])]));
        sampler?.resume();
        parts.push(
          await load({ target: t, connections, durationS: sliceS, ...request }).finally(() => sampler?.pause()),
        );
        for (const [k, pid] of Object.entries(roles)) {
          spent[k] = (spent[k] ?? 0) + treeCpuSeconds([pid]) - (before[k] ?? 0);
        }
      }
      const r = mergeLoads(parts);
      const cpu: Record<string, number> = {};
      for (const k of Object.keys(roles)) cpu[k] = ((spent[k] ?? 0) * 1e6) / Math.max(1, r.requests);
      return { r, direct: directParts.length > 0 ? mergeLoads(directParts) : undefined, cpu };
    };
    const c1 = await measure(`${peer.name} c=1`, () => withCpu(1));
    row.c1 = c1.value !== undefined ? { value: c1.value.r } : { error: c1.error ?? 'failed' };
    if (c1.value !== undefined) row.cpu.c1 = c1.value.cpu;
    if (c1.value?.direct !== undefined) baseline.c1 = c1.value.direct;
    // The peer's chosen roles (warren's edge and connector) have their RSS sampled during the c=50 slices.
    const sampled = (running.sampleRssUnderLoad ?? []).filter((k) => running.roles[k] !== undefined);
    const sampler =
      sampled.length === 0
        ? undefined
        : new RssSampler(Object.fromEntries(sampled.map((k) => [k, running.roles[k] as number])), 250);
    const c50 = await measure(`${peer.name} c=50`, () => withCpu(50, {}, sampler));
    if (sampler !== undefined) row.rssUnderLoad = sampler.stop();
    row.c50 = c50.value !== undefined ? { value: c50.value.r } : { error: c50.error ?? 'failed' };
    if (c50.value !== undefined) row.cpu.c50 = c50.value.cpu;
    if (c50.value?.direct !== undefined) baseline.c50 = c50.value.direct;
    const page = await measure(`${peer.name} 10 KiB page c=50`, () =>
      withCpu(50, { path: PAGE_PATH, headers: PAGE_HEADERS }),
    );
    row.page = page.value !== undefined ? { value: page.value.r } : { error: page.error ?? 'failed' };
    if (page.value !== undefined) row.cpu.page = page.value.cpu;
    if (page.value?.direct !== undefined) baseline.page = page.value.direct;
    log(
      `${peer.name}: c=1 ${row.c1.value?.rps.toFixed(0)} req/s, c=50 ${row.c50.value?.rps.toFixed(0)} req/s, page c=50 ${row.page.value?.rps.toFixed(0)} req/s`,
    );
    if (o.loadsOnly) return row;
    /** `transfers` runs of `f`, each after the same run on direct; medians of both. */
    const transfers = async (
      what: 'download' | 'upload',
      f: (target: typeof t) => Promise<number>,
    ): Promise<{ median: number; runs: number[] }> => {
      const runs: number[] = [];
      const directRuns: number[] = [];
      for (let i = 0; i < o.transfers; i++) {
        if (base !== undefined) directRuns.push(await f(base));
        runs.push(await f(t));
      }
      if (directRuns.length > 0) baseline[what] = median(directRuns);
      return { median: median(runs), runs };
    };
    row.download = await measure(`${peer.name} download`, () =>
      transfers('download', (target) => download(target, bytes, transferTimeout)),
    );
    row.upload = await measure(`${peer.name} upload`, () =>
      transfers('upload', (target) => upload(target, bytes, transferTimeout)),
    );
    row.ws = await measure(`${peer.name} websocket`, async () => {
      const wsSlice = o.wsS / slices;
      let sum = 0;
      let directSum = 0;
      for (let i = 0; i < slices; i++) {
        if (base !== undefined) directSum += await wsEcho(base, wsSlice);
        sum += await wsEcho(t, wsSlice);
      }
      if (base !== undefined) baseline.ws = directSum / slices;
      return sum / slices;
    });
    log(
      `${peer.name}: down ${row.download.value?.median.toFixed(1)} MB/s, up ${row.upload.value?.median.toFixed(1)} MB/s, ws ${row.ws.value?.toFixed(0)} rt/s`,
    );
    row.rss = await measure(`${peer.name} rss`, async () => {
      const m = treeMemory(running.pids());
      const byRole: Record<string, number> = {};
      for (const [role, pid] of Object.entries(running.roles)) byRole[role] = treeMemory([pid]).rss;
      return { rss: m.rss, peak: m.peak, byRole };
    });
  } finally {
    await running.stop();
  }
  return row;
}

/**
 * Slices a row's loads are cut into, alternating with direct: 2-second slices (5 for the default 10 s),
 * none for loads too short to cut (the smoke run).
 */
function sliceCount(o: Options): number {
  return o.durationS >= 4 ? Math.round(o.durationS / 2) : 1;
}

function profileDir(o: Options): string {
  return join(o.out ?? join(repo, 'bench'), 'profiles');
}

function pickProfile(dir: string, role: string, window: [number, number] | undefined): ProfileSummary | undefined {
  const f = readdirSync(dir).find((x) => x === `${role}.cpuprofile`);
  return f === undefined ? undefined : summariseProfile(join(dir, f), repo, 20, window);
}

/**
 * warren again, with `node --cpu-prof` on both processes: under the c=50 load, then (cut into their own
 * windows) c=1, WebSocket echo, 64 MiB uploads and downloads; summaries of both processes for each.
 */
async function profileWarren(
  ctx: PeerContext,
  o: Options,
  load: (s: LoadSpec) => Promise<LoadResult>,
): Promise<{
  edge?: ProfileSummary;
  connector?: ProfileSummary;
  phases: ProfilePhase[];
  load?: LoadResult;
}> {
  const dir = profileDir(o);
  const running = await warren.start({ ...ctx, cpuProfDir: dir });
  const t = running.target;
  const bytes = o.transferMiB * MiB;
  const secs = Math.min(5, o.durationS);
  let result: LoadResult | undefined;
  const windows: { name: string; window: [number, number] }[] = [];
  const phase = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    const t0 = nowUs();
    await f().catch((err: unknown) => log(`profile ${name}: ${(err as Error).message.split('\n')[0]}`));
    windows.push({ name, window: [t0, nowUs()] });
  };
  try {
    await load({ target: t, connections: 50, durationS: o.warmupS });
    await phase('c=50', async () => {
      result = await load({ target: t, connections: 50, durationS: o.durationS });
    });
    await phase('c=1', () => load({ target: t, connections: 1, durationS: secs }));
    await phase('WebSocket echo', () => wsEcho(t, secs));
    await phase(`${o.transferMiB} MiB uploads`, async () => {
      for (let i = 0; i < 3; i++) await upload(t, bytes, 120_000);
    });
    await phase(`${o.transferMiB} MiB downloads`, async () => {
      for (let i = 0; i < 3; i++) await download(t, bytes, 120_000);
    });
  } finally {
    await running.stop();
  }
  const [c50, ...rest] = windows;
  return {
    edge: pickProfile(dir, 'edge', c50?.window),
    connector: pickProfile(dir, 'connector', c50?.window),
    phases: rest.map((w) => ({
      name: w.name,
      edge: pickProfile(dir, 'edge', w.window),
      connector: pickProfile(dir, 'connector', w.window),
    })),
    load: result,
  };
}

async function gitState(): Promise<BenchResults['git']> {
  const head = await run('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], 10_000).catch(() => undefined);
  const dirty = await run('git', ['-C', repo, 'status', '--porcelain', '--', 'src'], 10_000).catch(() => undefined);
  return {
    head: head?.code === 0 ? head.out.trim() : 'unknown',
    dirtySrcFiles: dirty?.code === 0 ? dirty.out.split('\n').filter((l) => l.trim() !== '').length : -1,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const notes: string[] = [];
  // `--only access` is a pair of its own (unprotected and protected warren), measured against each other.
  const accessAlone = o.only?.size === 1 && o.only.has('access');
  const wanted = (name: string): boolean =>
    o.only === undefined || o.only.has(name) || (name === 'direct' && !accessAlone);
  if (o.install && (wanted('nginx') || wanted('ssh') || wanted('dns') || o.loadgen !== 'node'))
    await ensureDeps(notes, wanted('dns'));
  const loadgen: 'wrk' | 'node' = o.loadgen ?? (which('wrk') ? 'wrk' : 'node');
  if (o.loadgen === undefined && loadgen === 'node')
    notes.push('wrk is missing: the node load generator (bench/loadgen.ts) measured the loads instead');
  const load = loadgen === 'wrk' ? runWrk : runNodeLoad;
  const outDir =
    o.out !== undefined
      ? resolve(o.out)
      : o.smoke
        ? mkdtempSync(join(tmpdir(), 'warren-bench-smoke-'))
        : join(repo, 'bench');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'warren-bench-'));
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  let tcpLines: string[] = [];
  let httpsLines: string[] = [];
  let clusterLines: string[] = [];
  const results: BenchResults = {
    date: new Date().toISOString(),
    command,
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      nproc: cpus().length,
      node: process.version,
      kernel: release(),
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      loadavg: { start: loadavg()[0] ?? 0, end: 0 },
    },
    git: await gitState(),
    options: {
      smoke: o.smoke,
      loadgen,
      warmupS: o.warmupS,
      durationS: o.durationS,
      transfers: o.transfers,
      transferBytes: o.transferMiB * MiB,
      wsSeconds: o.wsS,
      slices: sliceCount(o),
    },
    rows: [],
    scale: undefined,
    dns: undefined,
    access: undefined,
    profile: undefined,
    notes,
  };
  try {
    const origin = spawnChild('origin', process.execPath, [join(repo, 'dist', 'bench', 'origin.js')]);
    const m = await origin.waitFor(/origin listening 127\.0\.0\.1:(\d+)/, 15_000);
    const ctx: PeerContext = {
      originPort: Number(m[1]),
      originPid: origin.pid,
      tmp,
      repo,
      log,
      warrenNodeFlags: o.warrenNodeFlags,
    };
    if (o.warrenNodeFlags.length > 0) notes.push(`warren's processes ran with node ${o.warrenNodeFlags.join(' ')}.`);
    const key = (p: Peer): string => (p.name === 'ssh -R' ? 'ssh' : p === nodeRelay ? 'relay' : p.name);
    const peers = [direct, nodeRelay, nginx, ssh, localtunnel, warren].filter((p) => wanted(key(p)));
    for (const peer of peers) results.rows.push(await benchPeer(peer, ctx, o, load));
    if (o.only === undefined || o.only.has('scale')) {
      log(`scale: ${o.tunnels} tunnels × ${HA_CONNECTIONS} connections from ${o.scaleWorkers} processes`);
      results.scale = await measure('scale', () =>
        runScale(ctx, {
          tunnels: o.tunnels,
          ha: HA_CONNECTIONS,
          workers: o.scaleWorkers,
          spread: 100,
          warmupS: o.warmupS,
          durationS: o.durationS,
          load,
        }),
      );
      const s = results.scale.value;
      if (s !== undefined)
        log(
          `scale: registered in ${s.registerSeconds.toFixed(2)} s, edge ${(s.edgeRssRegistered / MiB).toFixed(0)} MiB, c=50 over ${s.spread} tunnels ${s.spreadLoad.rps.toFixed(0)} req/s`,
        );
    }
    if (o.only?.has('dns') === true || (o.only === undefined && !o.smoke)) {
      // The DNS row: warren dns beside NSD on the same zone (without NSD: warren alone, and says so).
      log('dns: warren dns beside nsd, 1000-record zone');
      results.dns = await measure('dns', () =>
        runDnsBench({ durationS: Math.min(5, o.durationS), rate: 2000, inflight: 64 }),
      );
      const d = results.dns.value;
      if (d !== undefined) {
        log(
          `dns: warren ${d.warren.qps.toFixed(0)} q/s, p99 ${d.warren.p99.toFixed(3)} ms; ${d.nsd === undefined ? d.nsdNote : `nsd ${d.nsd.qps.toFixed(0)} q/s, ratio ${d.ratio?.toFixed(2)}`}`,
        );
        if (d.nsd === undefined) notes.push(`DNS row without a reference: ${d.nsdNote}`);
      }
    }
    if (o.only?.has('access') === true || (o.only === undefined && !o.smoke)) {
      log('access: warren + Access (valid cookie) beside unprotected warren, c=50, alternating slices');
      results.access = await measure('access', () =>
        runAccessBench(ctx, { warmupS: o.warmupS, durationS: o.durationS, slices: Math.max(2, sliceCount(o)), load }),
      );
      const a = results.access.value;
      if (a !== undefined) {
        log(
          `access: unprotected ${a.unprotected.rps.toFixed(0)} req/s, protected ${a.protected.rps.toFixed(0)} req/s, ratio ${a.ratio.toFixed(3)}`,
        );
      }
    }
    if (o.only?.has('tcp') === true || (o.only === undefined && !o.smoke)) {
      // The TCP row (issue 22): 256 MiB each way through `warren access tcp` beside `ssh -L` and direct.
      log('tcp: 256 MiB each way, direct / ssh -L / warren access tcp, median of 3');
      const tcp = await measure('tcp', () => runTcp(256, 3));
      results.tcp = tcp.value === undefined ? { error: tcp.error ?? 'failed' } : { value: tcp.value.rows };
      if (tcp.value !== undefined) tcpLines = tcp.value.lines;
    }
    if (o.only?.has('https') === true || (o.only === undefined && !o.smoke)) {
      // The HTTPS row (issue 21): handshakes/s, HTTP/1.1 and h2 req/s at c=50, warren's HTTPS port beside nginx.
      log(`https: warren's HTTPS port beside nginx on the same certificate, ${o.durationS}s per load`);
      const https = await measure('https', () => runHttps({ durationS: o.durationS, handshakeConcurrency: 16 }));
      results.https = https.value === undefined ? { error: https.error ?? 'failed' } : { value: https.value.rows };
      if (https.value !== undefined) httpsLines = https.value.lines;
    }
    if (o.only?.has('cluster') === true || (o.only === undefined && !o.smoke)) {
      // The cluster rows (issue 23): a forwarded hop between two edges, and `warren edge --workers 2` vs 1.
      log(`cluster: two edges on PostgreSQL (forwarded vs local) and --workers 2 vs 1, ${o.durationS}s per load`);
      const cl = await measure('cluster', () => runCluster({ durationS: o.durationS }));
      results.cluster = cl.value === undefined ? { error: cl.error ?? 'failed' } : { value: cl.value.value };
      clusterLines = cl.value?.lines ?? [`Skipped: ${cl.error ?? 'failed'}`];
    }
    if (o.profile && (wanted('warren') || results.scale !== undefined)) {
      const dir = profileDir(o);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      results.profile = {};
      if (wanted('warren')) log('profile: warren under c=50 with node --cpu-prof');
      try {
        if (!wanted('warren')) throw new Error('skip');
        const p = await profileWarren(ctx, o, load);
        if (p.edge !== undefined) results.profile.edge = p.edge;
        if (p.connector !== undefined) results.profile.connector = p.connector;
        results.profile.phases = p.phases;
        if (p.edge === undefined || p.connector === undefined) results.profile.error = 'a .cpuprofile was not written';
        if (p.load !== undefined)
          notes.push(
            `Profiled run (not in the table): c=50 ${p.load.rps.toFixed(0)} req/s with both processes under --cpu-prof.`,
          );
      } catch (err) {
        if ((err as Error).message !== 'skip') results.profile.error = (err as Error).message.split('\n')[0];
      }
      if (results.scale !== undefined) {
        log('profile: the scale run again, edge and one connector process under --cpu-prof');
        try {
          const s = await runScale(
            { ...ctx, cpuProfDir: dir },
            {
              tunnels: o.tunnels,
              ha: HA_CONNECTIONS,
              workers: o.scaleWorkers,
              spread: 100,
              warmupS: o.warmupS,
              durationS: o.durationS,
              load,
            },
          );
          const reg = pickProfile(dir, 'scale-edge', s.windows.register);
          const worker = pickProfile(dir, 'scale-worker-0', s.windows.register);
          const spread = pickProfile(dir, 'scale-edge', s.windows.spread);
          if (reg !== undefined) results.profile.scaleEdgeRegister = reg;
          if (worker !== undefined) results.profile.scaleWorkerRegister = worker;
          if (spread !== undefined) results.profile.scaleEdgeSpread = spread;
          notes.push(
            `Profiled scale run (not in the table): registered in ${s.registerSeconds.toFixed(1)} s with ${s.retries} retries; c=50 over ${s.spread} tunnels ${s.spreadLoad.rps.toFixed(0)} req/s.`,
          );
        } catch (err) {
          log(`scale profile failed: ${(err as Error).message}`);
          results.profile.error = `scale profile: ${(err as Error).message.split('\n')[0]}`;
        }
      }
      notes.push(
        `The .cpuprofile files are in ${relative(process.cwd(), dir) || '.'} (open them in Chrome DevTools or speedscope for flame graphs).`,
      );
    }
    await origin.stop();
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  results.machine.loadavg.end = loadavg()[0] ?? 0;
  const directRow = results.rows.find((r) => r.name === 'direct' && r.status === 'ok');
  for (const r of results.rows) if (r.status === 'ok') r.ratios = ratiosOf(r, directRow);
  const warrenRow = results.rows.find((r) => r.name === 'warren' && r.status === 'ok');
  if (warrenRow !== undefined) {
    results.warrenMemory = {
      serveRssAfterRow: warrenRow.rss.value?.byRole.edge,
      connectorRssPlateauC50: warrenRow.rssUnderLoad?.connector?.plateau,
      connectorRssMedianC50: warrenRow.rssUnderLoad?.connector?.medianLastHalf,
      serveRssPlateauC50: warrenRow.rssUnderLoad?.edge?.plateau,
    };
  }
  let md =
    tcpLines.length === 0
      ? renderMarkdown(results)
      : `${renderMarkdown(results).trimEnd()}\n\n### TCP (warren access tcp)\n\n${tcpLines.join('\n')}\n`;
  if (httpsLines.length > 0)
    md = `${md.trimEnd()}\n\n### HTTPS port (TLS handshakes, HTTP/1.1 and h2)\n\n${httpsLines.join('\n')}\n`;
  if (clusterLines.length > 0)
    md = `${md.trimEnd()}\n\n### Cluster (two edges on PostgreSQL; --workers)\n\n${clusterLines.join('\n')}\n`;
  writeFileSync(join(outDir, 'RESULTS.md'), md);
  const json = join(outDir, 'results.json');
  // Figures rounded to 3 decimals; then biome's own formatting, so `npm run lint` stays clean on the committed file.
  const round = (_k: string, v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v);
  writeFileSync(json, `${JSON.stringify(results, round, 2)}\n`);
  const biome = join(repo, 'node_modules', '.bin', 'biome');
  if (existsSync(biome) && json.startsWith(`${repo}/`))
    await run(biome, ['format', '--write', relative(repo, json)], 30_000, { cwd: repo }).catch(() => undefined);
  process.stdout.write(`${md}\n`);
  log(`wrote ${join(outDir, 'RESULTS.md')} and results.json`);
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${sig}: stopping every process the bench started`);
    stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAll();
  process.exit(1);
});
