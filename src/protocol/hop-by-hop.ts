/** Hop-by-hop header fields (RFC 9110 §7.6.1); they describe one connection and are never forwarded. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Copies a rawHeaders list ([name, value, …]) without hop-by-hop fields, without the
 * fields that `Connection` names, and without the fields in `drop` (lower-case names).
 * With `keepUpgrade`, `Connection: upgrade` and `Upgrade` survive (WebSocket handshakes).
 * `Connection` cannot name the fields in `protect` away (lower-case names).
 */
export function stripHopByHop(
  raw: readonly string[],
  drop?: ReadonlySet<string>,
  keepUpgrade = false,
  protect?: ReadonlySet<string>,
): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length === 10 && (raw[i] as string).toLowerCase() === 'connection') {
      for (const token of (raw[i + 1] as string).split(',')) {
        const t = token.trim().toLowerCase();
        if (t === '' || (keepUpgrade && t === 'upgrade') || protect?.has(t) === true) continue;
        named ??= new Set();
        named.add(t);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (!(keepUpgrade && (lower === 'upgrade' || lower === 'connection'))) continue;
      if (lower === 'connection') {
        out.push(name, 'upgrade');
        continue;
      }
    }
    if (named?.has(lower) || drop?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}
