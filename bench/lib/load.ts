import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertLoopback, type Target } from './net.js';
import { spawnChild } from './proc.js';
import { median } from './transfer.js';

/** One bounded keep-alive load of GETs (13-byte `/` by default). */
export interface LoadResult {
  tool: 'wrk' | 'node';
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  /** Latency percentiles, milliseconds. */
  p50: number;
  p99: number;
  /** Non-2xx answers plus socket errors: a row with errors is flagged, never hidden. */
  errors: number;
}

export interface LoadSpec {
  target: Target;
  connections: number;
  durationS: number;
  /** Spread requests over these Host headers (round robin); overrides target.host. */
  hosts?: string[];
  /** Extra request headers (e.g. an Access cookie), sent on every request. */
  headers?: Record<string, string>;
  /** The request target (default `/`). */
  path?: string;
}

/** `wrk -t1 -cN -dTs --latency` (with a Lua script when requests rotate over several Host headers). */
export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.path ?? '/', spec.target.base);
  assertLoopback(url);
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationS}s`, '--latency', '--timeout', '10s'];
  let dir: string | undefined;
  if (spec.hosts !== undefined && spec.hosts.length > 0) {
    dir = mkdtempSync(join(tmpdir(), 'warren-bench-wrk-'));
    const script = join(dir, 'hosts.lua');
    writeFileSync(
      script,
      [
        `local hosts = { ${spec.hosts.map((h) => JSON.stringify(h)).join(', ')} }`,
        'local i = 0',
        'request = function()',
        '  i = i % #hosts + 1',
        `  return wrk.format("GET", ${JSON.stringify(url.pathname + url.search)}, { ["Host"] = hosts[i] })`,
        'end',
        '',
      ].join('\n'),
    );
    args.push('-s', script);
  } else if (spec.target.host !== undefined) {
    args.push('-H', `Host: ${spec.target.host}`);
  }
  for (const [k, v] of Object.entries(spec.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url.href);
  const c = spawnChild('wrk', 'wrk', args);
  const timer = setTimeout(() => c.stop(1_000), (spec.durationS + 30) * 1000);
  try {
    const code = await c.exited;
    if (code !== 0) throw new Error(`wrk exited ${code}:\n${c.output()}`);
    return parseWrk(c.output(), spec.connections);
  } finally {
    clearTimeout(timer);
    await c.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

export function parseWrk(out: string, connections: number): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  if (rps === null || total === null || p50 === null || p99 === null)
    throw new Error(`cannot parse wrk output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock === null ? 0 : sock.slice(1, 5).reduce((a, b) => a + Number(b), 0);
  return {
    tool: 'wrk',
    connections,
    seconds: toMs(total[2] as string, total[3] as string) / 1000,
    requests: Number(total[1]),
    rps: Number(rps[1]),
    p50: toMs(p50[1] as string, p50[2] as string),
    p99: toMs(p99[1] as string, p99[2] as string),
    errors: Number(non2xx?.[1] ?? 0) + sockErrors,
  };
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  switch (unit) {
    case 'us':
      return n / 1000;
    case 'ms':
      return n;
    case 's':
      return n * 1000;
    default:
      return n * 60_000;
  }
}

/** The same load from dist/bench/loadgen.js (node, no external tool): used by --smoke and when wrk is missing. */
export async function runNodeLoad(spec: LoadSpec): Promise<LoadResult> {
  assertLoopback(new URL('/', spec.target.base));
  const script = fileURLToPath(new URL('../loadgen.js', import.meta.url));
  const arg = JSON.stringify({
    base: spec.target.base,
    hosts: spec.hosts ?? (spec.target.host !== undefined ? [spec.target.host] : []),
    connections: spec.connections,
    durationS: spec.durationS,
    headers: spec.headers ?? {},
    path: spec.path ?? '/',
  });
  const c = spawnChild('loadgen', process.execPath, [script, arg]);
  const timer = setTimeout(() => c.stop(1_000), (spec.durationS + 30) * 1000);
  try {
    const code = await c.exited;
    const line = c
      .output()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (code !== 0 || line === undefined) throw new Error(`loadgen exited ${code}:\n${c.output()}`);
    return JSON.parse(line) as LoadResult;
  } finally {
    clearTimeout(timer);
    await c.stop();
  }
}

/** Slices of one load as one result: all requests over all the time; latency percentiles of the median slice. */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  const first = parts[0] as LoadResult;
  const requests = parts.reduce((n, p) => n + p.requests, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  return {
    tool: first.tool,
    connections: first.connections,
    seconds,
    requests,
    rps: requests / seconds,
    p50: median(parts.map((p) => p.p50)),
    p99: median(parts.map((p) => p.p99)),
    errors: parts.reduce((n, p) => n + p.errors, 0),
  };
}
