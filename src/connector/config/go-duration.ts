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

/**
 * Parses a Go duration ("30s", "1m30s", "500ms", "1.5h") as cloudflared's config.yml takes them;
 * returns milliseconds, or undefined when the text is not one. A unit is required except for "0".
 */
export function parseGoDuration(text: string): number | undefined {
  const v = text.trim();
  if (v === '0') return 0;
  if (v === '') return undefined;
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
