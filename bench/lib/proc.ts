import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A child process the bench started, in its own process group, with its output kept for error messages. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything it printed so far (stdout + stderr), capped. */
  output(): string;
  /** Resolves with the first match of `re` in stdout/stderr; rejects at the deadline or when the process exits. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
  /** SIGTERM to the group (and its descendants), SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_CAP = 64 * 1024;
const live = new Set<Child>();

export function spawnChild(name: string, cmd: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const pid = proc.pid;
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_CAP) out = out.slice(out.length - OUTPUT_CAP);
    for (const w of waiters) w();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      exitCode = code ?? (signal !== null ? -1 : null);
      for (const w of waiters) w();
      resolve(code);
    });
    proc.once('error', (err) => {
      out += `\n[spawn error] ${err.message}\n`;
      exitCode = -1;
      for (const w of waiters) w();
      resolve(-1);
    });
  });
  const child: Child = {
    name,
    proc,
    pid,
    output: () => out,
    exited,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (m !== null) {
            done();
            resolve(m);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`${name} exited (${exitCode}) before printing ${re}:\n${tail(out)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} did not print ${re} within ${timeoutMs} ms:\n${tail(out)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 5_000) {
      if (exitCode === undefined) {
        const tree = [pid, ...descendants(pid)];
        signalGroup(pid, 'SIGTERM');
        const t = setTimeout(() => {
          signalGroup(pid, 'SIGKILL');
          for (const p of tree) signalPid(p, 'SIGKILL');
        }, graceMs);
        await exited;
        clearTimeout(t);
        // Whatever it left behind in another group (sshd session children, for one).
        for (const p of tree) signalPid(p, 'SIGKILL');
      }
      live.delete(child);
    },
  };
  live.add(child);
  return child;
}

/** Stops every child still running (also used on SIGINT and on errors). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(3_000)));
}

/** Runs a command to completion with a deadline; resolves with its exit code and output. */
export async function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
  options: SpawnOptions = {},
): Promise<{ code: number | null; out: string }> {
  const c = spawnChild(cmd, cmd, args, options);
  const timer = setTimeout(() => {
    c.stop(1_000).catch(() => {});
  }, timeoutMs);
  try {
    const code = await c.exited;
    return { code, out: c.output() };
  } finally {
    clearTimeout(timer);
    await c.stop();
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    signalPid(pid, sig);
  }
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function tail(s: string): string {
  return s.split('\n').slice(-15).join('\n');
}

/** Pids of every descendant of `root` (from /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size, bytes. */
  peak: number;
}

/** Summed VmRSS / VmHWM of these processes and all their descendants. */
export function treeMemory(roots: number[]): Memory {
  const pids = new Set<number>();
  for (const r of roots) {
    pids.add(r);
    for (const d of descendants(r)) pids.add(d);
  }
  let rss = 0;
  let peak = 0;
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += kb(status, 'VmRSS');
      peak += kb(status, 'VmHWM');
    } catch {
      // exited meanwhile
    }
  }
  return { rss, peak };
}

function kb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux build the bench runs on). */
const USER_HZ = 100;

/** CPU seconds (user + system) used so far by these processes and their live descendants. */
export function treeCpuSeconds(roots: number[]): number {
  const pids = new Set<number>();
  for (const r of roots) {
    pids.add(r);
    for (const d of descendants(r)) pids.add(d);
  }
  let ticks = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / USER_HZ;
}

/** VmRSS of one process (no descendants), bytes; 0 once it has exited. */
export function processRss(pid: number): number {
  try {
    return kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch {
    return 0;
  }
}

/** What an RSS sampler saw of one process: every sample (bytes) and the plateau read from them. */
export interface RssSamples {
  /** Interval between samples, ms. */
  intervalMs: number;
  samples: number[];
  /** The plateau: the largest sample of the last half (the process has grown to its working set by then). */
  plateau: number;
  /** Median of the last half, for reference. */
  medianLastHalf: number;
}

/** Reads the plateau of a series of RSS samples: max (and median) of its last half. */
export function rssPlateau(samples: number[], intervalMs: number): RssSamples {
  const last = samples.slice(Math.floor(samples.length / 2));
  const sorted = [...last].sort((a, b) => a - b);
  return {
    intervalMs,
    samples,
    plateau: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number),
    medianLastHalf: sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] as number),
  };
}

/**
 * Samples VmRSS of each process every `intervalMs` while running (call `pause`/`resume` around parts that
 * should not count, e.g. another row's slice); `stop` returns the samples by role.
 */
export class RssSampler {
  readonly #pids: Record<string, number>;
  readonly #intervalMs: number;
  readonly #samples = new Map<string, number[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(pids: Record<string, number>, intervalMs = 250) {
    this.#pids = pids;
    this.#intervalMs = intervalMs;
    for (const role of Object.keys(pids)) this.#samples.set(role, []);
  }

  resume(): void {
    if (this.#timer !== undefined) return;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  pause(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
  }

  /** Samples taken so far (all roles). */
  count(): number {
    let n = 0;
    for (const s of this.#samples.values()) n += s.length;
    return n;
  }

  stop(): Record<string, RssSamples> {
    this.pause();
    const out: Record<string, RssSamples> = {};
    for (const [role, s] of this.#samples) out[role] = rssPlateau(s, this.#intervalMs);
    return out;
  }

  #sample(): void {
    for (const [role, pid] of Object.entries(this.#pids)) {
      const rss = processRss(pid);
      if (rss > 0) this.#samples.get(role)?.push(rss);
    }
  }
}
