const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const BARE_NUMBER = /^(\d+(?:\.\d*)?|\.\d+)$/;

export interface DurationOptions {
  /**
   * true: a number with no unit ("30") is seconds. warren's duration flags have always read
   * `--grace-period 30` so, and a config file key that stands for a flag reads the same.
   * false: refused, as cloudflared refuses `connectTimeout: 30` in `originRequest`.
   */
  bareNumberIsSeconds: boolean;
}

/**
 * The one duration parser, for flags and config files: a Go duration ("30s", "1m30s", "500ms",
 * "1.5h") as cloudflared takes them. Returns milliseconds, or undefined when the text is not a
 * duration (a negative one included). "0" needs no unit.
 */
export function parseDurationMs(text: string, o: DurationOptions): number | undefined {
  const v = text.trim();
  if (v === '0') return 0;
  if (v === '') return undefined;
  if (BARE_NUMBER.test(v)) return o.bareNumberIsSeconds ? Number(v) * 1000 : undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < v.length) {
    const at = PART.lastIndex;
    const m = PART.exec(v);
    if (m === null || m.index !== at) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return total;
}
