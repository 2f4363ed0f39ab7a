import { readFileSync, statSync } from 'node:fs';

/** The parts of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  fn: string;
  /** Share of all samples, percent. */
  pct: number;
  /** Share of non-idle samples, percent. */
  busyPct: number;
  /** For native functions: the nearest warren (else JS) callers, with their share of this entry's samples. */
  via?: string[];
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  /** Non-idle share of the wall time, percent (≈ how much of one core the process used). */
  busy: number;
  /** Self time by function, largest first. */
  self: ProfileEntry[];
  /** Inclusive time of warren's own functions (dist/src), largest first. */
  inclusive: ProfileEntry[];
  /** Self time by kind: warren code, node internals, dependencies, GC, native/program. */
  categories: ProfileEntry[];
}

function label(cf: { functionName: string; url: string; lineNumber: number }, repo: string): string {
  const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
  if (cf.url === '') return name;
  let where = cf.url.replace(`file://${repo}/`, '').replace(/^file:\/\//, '');
  where = where.replace(/^node:internal\//, 'node:').replace(/^.*\/node_modules\//, 'node_modules/');
  return `${name} ${where}:${cf.lineNumber + 1}`;
}

function category(url: string, name: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (url === '') return 'native / program';
  if (url.includes('/dist/src/')) return 'warren (dist/src)';
  if (url.includes('/node_modules/')) return 'dependencies (node_modules)';
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

/** µs of the monotonic clock: V8 stamps profile samples with it, so a profile can be cut to a load's window. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Parsed profiles by path and version: one profile is summarised for several windows of its run. */
const parsed = new Map<string, { version: string; profile: CpuProfile }>();

function readProfile(file: string): CpuProfile {
  const st = statSync(file);
  const version = `${st.mtimeMs}:${st.size}`;
  const hit = parsed.get(file);
  if (hit?.version === version) return hit.profile;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  parsed.set(file, { version, profile });
  return profile;
}

/**
 * Self and inclusive time per function from a .cpuprofile written by `node --cpu-prof`; with `window`
 * ([from, to] in µs of the monotonic clock, as process.hrtime), only the samples taken within it.
 */
export function summariseProfile(file: string, repo: string, top = 15, window?: [number, number]): ProfileSummary {
  const p = readProfile(file);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const cats = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  let total = 0;
  let idle = 0;
  let at = p.startTime;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (window !== undefined && (at < window[0] || at > window[1])) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
    const id = p.samples[i] as number;
    const n = byId.get(id);
    if (n === undefined) continue;
    total++;
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') idle++;
    const l = label(cf, repo);
    self.set(l, (self.get(l) ?? 0) + 1);
    if (cf.url === '' && !cf.functionName.startsWith('(')) {
      let js: string | undefined;
      let ours: string | undefined;
      for (let cur = parent.get(id); cur !== undefined && ours === undefined; cur = parent.get(cur)) {
        const f = byId.get(cur)?.callFrame;
        if (f === undefined || f.url === '') continue;
        js ??= label(f, repo);
        if (f.url.includes('/dist/src/')) ours = label(f, repo);
      }
      const key = ours ?? js ?? '(no JS caller)';
      const m = callers.get(l) ?? new Map<string, number>();
      m.set(key, (m.get(key) ?? 0) + 1);
      callers.set(l, m);
    }
    const cat = category(cf.url, cf.functionName);
    cats.set(cat, (cats.get(cat) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined || !f.url.includes('/dist/src/')) continue;
      const fl = label(f, repo);
      if (seen.has(fl)) continue;
      seen.add(fl);
      incl.set(fl, (incl.get(fl) ?? 0) + 1);
    }
  }
  const busy = Math.max(1, total - idle);
  const entries = (m: Map<string, number>, skipIdle: boolean): ProfileEntry[] =>
    [...m.entries()]
      .filter(([k]) => !skipIdle || (k !== '(idle)' && k !== 'idle'))
      .sort((a, b) => b[1] - a[1])
      .map(([fn, n]) => {
        const e: ProfileEntry = { fn, pct: (100 * n) / Math.max(1, total), busyPct: (100 * n) / busy };
        const c = callers.get(fn);
        if (c !== undefined) {
          e.via = [...c.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([k, v]) => `${k} ${((100 * v) / n).toFixed(0)} %`);
        }
        return e;
      });
  return {
    file,
    seconds: Math.max(0, last - first) / 1e6,
    busy: (100 * (total - idle)) / Math.max(1, total),
    self: entries(self, true).slice(0, top),
    inclusive: entries(incl, false).slice(0, top),
    categories: entries(cats, true),
  };
}
