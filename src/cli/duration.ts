/** Parses Go-style durations as cloudflared takes them ("30s", "500ms", "1m30s", "2h"); a bare number is seconds. */
export function parseDuration(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    if (m.index !== consumed) break;
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== v.length || v === '') {
    throw new Error(`${flag} "${value}" is not a duration: write e.g. 30s, 500ms or 1m`);
  }
  return total;
}
