import { stripHopByHop } from '../protocol/index.js';
import { scopeSetCookie } from './cookie-scope.js';

/**
 * Fields that describe the connector's side of the exchange, never the visitor's: the edge frames
 * every visitor response itself (node writes Connection and Transfer-Encoding), and sets Cf-Ray.
 */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'cf-ray']);

/** Fields a connector's `Connection` header may not remove: the edge's own framing decisions rest on them. */
const PROTECTED = new Set(['content-length', 'transfer-encoding', 'set-cookie']);

export interface FramedResponse {
  /** Header list for the visitor: no hop-by-hop fields, Set-Cookie scoped. */
  headers: string[];
  /** The declared Content-Length, or -1 when the body's end is its own framing (chunked or close). */
  length: number;
}

/**
 * Checks and rewrites a response head from a connector (untrusted: anyone can run a quick tunnel)
 * for the visitor of `host`; with `serviceDomain`, Set-Cookie Domain attributes are scoped (see
 * scopeSetCookie).
 * Returns the reason when the framing is ambiguous, and the response must become a 502: several or
 * invalid Content-Length fields, or Content-Length with Transfer-Encoding (RFC 9112 §6.3).
 */
export function frameResponse(
  raw: readonly string[],
  host: string,
  serviceDomain: string | undefined,
): FramedResponse | string {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      for (const token of (raw[i + 1] as string).split(',')) {
        const t = token.trim().toLowerCase();
        if (t === '' || PROTECTED.has(t)) continue;
        named ??= new Set();
        named.add(t);
      }
    }
  }
  const headers: string[] = [];
  let length = -1;
  let lengthValue = '';
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    let value = raw[i + 1] as string;
    if (lower === 'content-length') {
      if (length !== -1) return 'the response has more than one Content-Length';
      length = parseLength(value);
      if (length < 0) return 'the response has an invalid Content-Length';
      lengthValue = value;
      continue;
    }
    if (lower === 'transfer-encoding') {
      chunked = true;
      continue;
    }
    if (DROPPED.has(lower) || named?.has(lower)) continue;
    if (serviceDomain !== undefined && lower === 'set-cookie') value = scopeSetCookie(value, host, serviceDomain);
    headers.push(name, value);
  }
  if (chunked && length !== -1) return 'the response has both Content-Length and Transfer-Encoding';
  if (length !== -1) headers.push('content-length', lengthValue);
  return { headers, length };
}

/** Digits only (no sign, no spaces, no list), at most 15 of them: larger bodies are not a real case. */
function parseLength(value: string): number {
  const n = value.length;
  if (n === 0 || n > 15) return -1;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(value);
}

/**
 * The head of a 101 Switching Protocols for the visitor of `host`: hop-by-hop fields go except the
 * `Connection: upgrade` / `Upgrade` pair, and Set-Cookie is scoped as in frameResponse. Its body is
 * the new protocol's stream, so no length applies.
 */
export function frameSwitchingResponse(
  raw: readonly string[],
  host: string,
  serviceDomain: string | undefined,
): string[] {
  const headers = stripHopByHop(raw, undefined, true);
  if (serviceDomain === undefined) return headers;
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === 'set-cookie') {
      headers[i + 1] = scopeSetCookie(headers[i + 1] as string, host, serviceDomain);
    }
  }
  return headers;
}
