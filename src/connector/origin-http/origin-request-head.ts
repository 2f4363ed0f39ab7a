import type { OriginRequest } from '../origin-request.js';

// The request head the origin client writes (requestHeadOf): names are checked and classified once, values on every request.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_PATH = /[^\u0021-\u00ff]/;
const DIGITS = /^\d{1,15}$/;
/** Headers this client frames itself, or that need node's client (Expect: 100-continue). */
const SELF_FRAMED = new Set(['transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te']);

// What requestHeadOf makes of a header name (nameKind).
const PLAIN = 0; // sent as it is
const HOST = 1;
const LENGTH = 2; // content-length
const REFUSED = 3; // not a token, or framing this client leaves to node's (SELF_FRAMED)
/**
 * Header names seen so far and what they are: browsers and proxies send the same few dozen names,
 * so a name is checked and lower-cased once, not on every request. Bounded: names past the bound
 * are checked every time, as before.
 */
const nameKinds = new Map<string, number>();
const NAME_KINDS_MAX = 1024;

function nameKind(name: string): number {
  let kind = nameKinds.get(name);
  if (kind !== undefined) return kind;
  if (!TOKEN.test(name)) kind = REFUSED;
  else {
    const lower = name.toLowerCase();
    kind = lower === 'host' ? HOST : lower === 'content-length' ? LENGTH : SELF_FRAMED.has(lower) ? REFUSED : PLAIN;
  }
  if (nameKinds.size < NAME_KINDS_MAX) nameKinds.set(name, kind);
  return kind;
}

/**
 * The request head this client would send (host first, as undici did), or undefined when the request
 * needs node's client (Expect, hop-by-hop framing headers, a streamed body without one Content-Length)
 * or cannot be sent at all (an invalid name, value, method or path: node's client refuses those).
 */
export function requestHeadOf(r: OriginRequest, defaultHost: string): OriginHttpHead | undefined {
  if (!TOKEN.test(r.method) || BAD_PATH.test(r.path)) return undefined;
  let head = '';
  let host: string | undefined;
  let length: string | undefined;
  const h = r.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    const kind = nameKind(name);
    if (kind === REFUSED || BAD_VALUE.test(value)) return undefined;
    if (kind === HOST) {
      if (host !== undefined) return undefined;
      host = value;
    } else if (kind === LENGTH) {
      if (length !== undefined || !DIGITS.test(value)) return undefined;
      length = value;
    } else {
      head += `${name}: ${value}\r\n`;
    }
  }
  if (Buffer.isBuffer(r.body)) length = String(r.body.length);
  else if (r.body !== null && length === undefined) return undefined;
  let out = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${host ?? defaultHost}\r\nconnection: keep-alive\r\n${head}`;
  if (length !== undefined) out += `content-length: ${length}\r\n`;
  return { text: `${out}\r\n`, length: length === undefined ? 0 : Number(length) };
}

/** A request head ready to write, and its body's length. */
export interface OriginHttpHead {
  readonly text: string;
  readonly length: number;
}
