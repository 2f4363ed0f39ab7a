import { HOP_BY_HOP, stripHopByHop } from '../protocol/index.js';

/** The fields the edge sets on every request to the origin (see withEdgeAdded). */
const EDGE_SET = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'cf-connecting-ip',
  'cf-ray',
  'cf-visitor',
  'cf-warp-tag-id',
] as const;

/**
 * Names a visitor's `Connection` header may not remove: Host (the origin routes by it), and the
 * fields the edge itself sets for the origin.
 */
const NEVER_HOP_BY_HOP = new Set(['host', ...EDGE_SET, 'content-length']);

/**
 * The visitor's header list for the origin: without hop-by-hop fields, the fields `Connection`
 * names, and those in `drop` (the edge's own, which a visitor cannot forge). With `upgrade`,
 * `Connection: upgrade` and `Upgrade` survive (WebSocket handshakes). With `authority` (an
 * absolute-form request), Host becomes that authority.
 *
 * Returns undefined for a request with more than one Host field (RFC 9112 §3.2: answer 400).
 */
export function forwardedHeaders(
  raw: readonly string[],
  drop: ReadonlySet<string>,
  upgrade: boolean,
  authority: string | undefined,
): string[] | undefined {
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  if (hosts > 1) return undefined;
  // An absolute-form request's authority replaces the Host field (a rare case: the set is built then only).
  const out = stripHopByHop(
    raw,
    authority === undefined ? drop : new Set([...drop, 'host']),
    upgrade,
    NEVER_HOP_BY_HOP,
  );
  if (authority !== undefined) out.push('Host', authority);
  return out;
}

/** Headers a visitor may not set: the edge is their only author. */
const EDGE_OWNED: ReadonlySet<string> = new Set([
  ...EDGE_SET,
  'cf-access-jwt-assertion',
  'cf-access-authenticated-user-email',
]);
/** Behind the Access gate the service token's credentials are spent: the origin never sees them. */
const EDGE_OWNED_BEHIND_ACCESS: ReadonlySet<string> = new Set([
  ...EDGE_OWNED,
  'cf-access-client-id',
  'cf-access-client-secret',
]);

const OTHER_THAN_LDH = /[^a-z0-9-]/;
const OTHER_THAN_LDH_G = /[^a-z0-9-]/g;

/**
 * `raw` without the fields whose name, lower case and with `_` (or any other character than a
 * letter, digit or `-`) read as `-`, is in `owned`. WSGI and CGI servers turn both
 * `X-Forwarded-For` and `X_Forwarded_For` into `HTTP_X_FORWARDED_FOR` (some map `.` too), so
 * every spelling of an edge-owned name goes. Returns `raw` itself when nothing is dropped.
 */
export function withoutOwned(raw: readonly string[], owned: ReadonlySet<string>): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (owned.has(OTHER_THAN_LDH.test(lower) ? lower.replace(OTHER_THAN_LDH_G, '-') : lower)) {
      out ??= raw.slice(0, i);
      continue;
    }
    if (out !== undefined) out.push(name, raw[i + 1] as string);
  }
  return out ?? raw;
}

/** What the edge adds for the origin, besides the visitor's own fields. */
export interface EdgeAddedHeaders {
  /** The visitor's socket address (normalised). */
  ip: string;
  scheme: 'http' | 'https';
  /** `Cf-Visitor`, e.g. `{"scheme":"https"}`. */
  visitor: string;
  ray: string;
  connectorId: string;
  /** What the Access gate adds (`Cf-Access-Jwt-Assertion`, …). */
  access: string[] | undefined;
}

/**
 * The header list the origin receives: the visitor's fields (see forwardedHeaders) without any
 * spelling of the edge's own (and, behind the Access gate, of the service token's credentials),
 * then the edge's own. `X-Forwarded-For` keeps what the visitor sent and appends the real address, as Cloudflare
 * does; the other edge fields are the edge's alone. Undefined for a request with two Host fields.
 *
 * It is `forwardedHeaders(withoutOwned(raw, owned), owned, …)` plus the edge's fields, in one pass
 * that lower-cases each name once (every request goes through it; test/forwarded-headers-single-pass
 * holds the two equal).
 */
export function originRequestHeaders(
  raw: readonly string[],
  priorForwardedFor: string | undefined,
  upgrade: boolean,
  authority: string | undefined,
  added: EdgeAddedHeaders,
): string[] | undefined {
  const owned = ownedFieldsOf(added);
  let hosts = 0;
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4) {
      if (name.toLowerCase() === 'host') hosts++;
    } else if (name.length === 10 && name.toLowerCase() === 'connection') {
      for (const token of (raw[i + 1] as string).split(',')) {
        const t = token.trim().toLowerCase();
        if (t === '' || (upgrade && t === 'upgrade') || NEVER_HOP_BY_HOP.has(t)) continue;
        named ??= new Set();
        named.add(t);
      }
    }
  }
  if (hosts > 1) return undefined;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (owned.has(OTHER_THAN_LDH.test(lower) ? lower.replace(OTHER_THAN_LDH_G, '-') : lower)) continue;
    if (HOP_BY_HOP.has(lower)) {
      if (!upgrade || (lower !== 'upgrade' && lower !== 'connection')) continue;
      if (lower === 'connection') {
        out.push(name, 'upgrade');
        continue;
      }
    }
    if (named?.has(lower) === true || (authority !== undefined && lower === 'host')) continue;
    out.push(name, raw[i + 1] as string);
  }
  if (authority !== undefined) out.push('Host', authority);
  return withEdgeAdded(out, priorForwardedFor, added);
}

/** The same list as originRequestHeaders, by composition of the steps (kept for tests and readers). */
export function originRequestHeadersByParts(...args: Parameters<typeof originRequestHeaders>): string[] | undefined {
  const [raw, priorForwardedFor, upgrade, authority, added] = args;
  const owned = ownedFieldsOf(added);
  const out = forwardedHeaders(withoutOwned(raw, owned), owned, upgrade, authority);
  if (out === undefined) return undefined;
  return withEdgeAdded(out, priorForwardedFor, added);
}

/** The fields only the edge may set: behind the Access gate, the service token's credentials too. */
function ownedFieldsOf(added: EdgeAddedHeaders): ReadonlySet<string> {
  return added.access === undefined ? EDGE_OWNED : EDGE_OWNED_BEHIND_ACCESS;
}

/** Appends the edge's own fields to `out` (X-Forwarded-For keeps the visitor's list and adds the address). */
function withEdgeAdded(out: string[], priorForwardedFor: string | undefined, added: EdgeAddedHeaders): string[] {
  const { ip } = added;
  out.push(
    'X-Forwarded-For',
    priorForwardedFor === undefined || priorForwardedFor === '' ? ip : `${priorForwardedFor}, ${ip}`,
    'X-Forwarded-Proto',
    added.scheme,
    'Cf-Connecting-IP',
    ip,
    'Cf-Ray',
    added.ray,
    'Cf-Visitor',
    added.visitor,
    'Cf-Warp-Tag-Id',
    added.connectorId,
  );
  if (added.access !== undefined) for (const x of added.access) out.push(x);
  return out;
}
