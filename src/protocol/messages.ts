import { isWarrenErrorCode, WarrenError, type WarrenErrorCode } from '../errors/index.js';

/** Bumped on any incompatible change of frames or messages. */
export const PROTOCOL_VERSION = 2;

/** edge → connector, first frame on a link. */
export interface ServerHello {
  version: number;
  /** Random bytes (base64) the connector proves knowledge of its tunnel secret against. */
  nonce: string;
  edgeName: string;
}

export interface ConnectorInfo {
  /** Stable per connector process (uuid); replicas of one tunnel have distinct ids. */
  connectorId: string;
  connIndex: number;
  version: string;
  arch: string;
  os: string;
  /** `--tag KEY=VALUE` (warren's addition; bounded, see connector-tags.ts). */
  tags?: Readonly<Record<string, string>>;
  /**
   * Optional messages the connector understands (`config-push`). An edge sends such a message only
   * to a connector that lists it, so connectors built before it are never sent a frame they drop
   * the link over; an older edge ignores the field.
   */
  features?: string[];
}

export type RegisterAuth =
  /** Ask the edge for a new quick tunnel (only on the first link of a quick-tunnel connector). */
  | { kind: 'quick-new' }
  /** Prove possession of the tunnel secret: base64 HMAC-SHA256(secret, nonce). */
  | { kind: 'secret'; accountTag?: string; tunnelId: string; proof: string };

export interface RegisterRequest {
  version: number;
  auth: RegisterAuth;
  connector: ConnectorInfo;
  /** How often the connector pings; the edge drops the link after 3 silent intervals. */
  heartbeatMs: number;
  /** Per-stream receive window the connector grants. */
  initialWindow: number;
}

export interface Registration {
  connectionId: string;
  edgeName: string;
  tunnelId: string;
  /** Where visitors reach this tunnel, for display (quick tunnels). */
  url?: string;
  hostname?: string;
  /** Quick tunnels only: credentials the other links and later reconnects use. */
  quick?: { tunnelId: string; secret: string; hostname: string };
  /** Per-stream receive window the edge grants. */
  initialWindow: number;
  /**
   * Optional messages the edge accepts from the connector (`config-status`). A connector sends
   * such a message only to an edge that lists it, since an older edge drops the link over an
   * unknown frame; an older connector ignores the field.
   */
  features?: string[];
  /**
   * The service domain D (edge feature `access-keys`): a connector rule's `teamName: myteam` is the
   * team domain `myteam.access.D`. An older connector ignores the field.
   */
  accessDomain?: string;
}

export interface RegisterFailure {
  code: WarrenErrorCode;
  message: string;
  retryable: boolean;
}

/**
 * A decoded request head. The wire form is compact (NUL-joined, see encodeRequestHead below);
 * these readable names exist only in memory, so renaming them never changes the wire.
 */
export interface RequestHead {
  method: string;
  /** The request target as the visitor sent it (path and query). */
  path: string;
  /** As node's rawHeaders: [name, value, name, value, …]. */
  headers: string[];
  /** WebSocket (or other Upgrade) request: the stream becomes a raw byte pipe after a 101. */
  upgrade?: boolean;
  /** No body follows: the request half is already finished. */
  endOfStream?: boolean;
}

/** A decoded response head (wire form: see encodeResponseHead). */
export interface ResponseHead {
  status: number;
  /** As node's rawHeaders: [name, value, name, value, …]. */
  headers: string[];
  /** No body follows: the response half is already finished. */
  endOfStream?: boolean;
}

export interface StreamReset {
  code: WarrenErrorCode;
  message: string;
}

/** A message or frame that does not follow the wire protocol: the receiver drops the link. */
export class MessageError extends WarrenError<'WARREN_PROTOCOL'> {
  constructor(message: string) {
    super('WARREN_PROTOCOL', message);
    this.name = 'MessageError';
  }
}

/**
 * A request or response head that breaks a limit or does not parse. It concerns one stream, not
 * the link: the receiver resets that stream and keeps the link (and every other request on it).
 */
export class HeadError extends WarrenError<'WARREN_REQUEST_INVALID'> {
  constructor(message: string) {
    super('WARREN_REQUEST_INVALID', message);
    this.name = 'HeadError';
  }
}

/**
 * Limits of one head, shared by both sides: the edge refuses a visitor request over them with 431
 * before it reaches a link, and the connector refuses (one stream) whatever still breaks them.
 */
export const MAX_HEAD_FIELDS = 1000; // header fields (name-value pairs) in one head
export const MAX_HEAD_BYTES = 128 * 1024; // 128 KiB for one encoded head (UTF-8, NUL-joined)

/** A frame payload that must be one JSON object; anything else is a MessageError naming `what`. */
export function parseJson(payload: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError(`${what}: payload is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MessageError(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/*
 * Request and response heads are on the hot path of every proxied request, so they are not JSON:
 * their fields are joined with NUL into one UTF-8 string (one native encode, one native decode
 * and a split). HTTP forbids NUL in methods, targets and fields (RFC 9110 §5.5), so the encoder
 * replaces any stray NUL with a space, as the RFC allows, and no field can forge another.
 *
 *   request:  flags \0 method \0 path [\0 name \0 value]…   flags: 1 = endOfStream, 2 = upgrade
 *   response: status \0 flags [\0 name \0 value]…           flags: 1 = endOfStream
 */
const NUL = '\0';
const MAX_HEADER_ENTRIES = 2 * MAX_HEAD_FIELDS; // names and values

function clean(s: string): string {
  return s.indexOf(NUL) === -1 ? s : s.replaceAll(NUL, ' ');
}

function joinHeaders(head: string, h: readonly string[]): string {
  let s = head;
  for (let i = 0; i < h.length; i++) s += NUL + clean(h[i] as string);
  return s;
}

/**
 * The request head's wire text (encoded as UTF-8 it is the frame's payload): MuxConnection writes
 * it straight into its batch of frames, with no Buffer of its own. Throws HeadError past
 * MAX_HEAD_FIELDS; the caller checks MAX_HEAD_BYTES on the encoded length.
 */
export function requestHeadText(head: RequestHead): string {
  if (head.headers.length > MAX_HEADER_ENTRIES) {
    throw new HeadError(`request: more than ${MAX_HEAD_FIELDS} header fields`);
  }
  const flags = (head.endOfStream === true ? 1 : 0) | (head.upgrade === true ? 2 : 0);
  return joinHeaders(`${flags}${NUL}${clean(head.method)}${NUL}${clean(head.path)}`, head.headers);
}

/** The HeadError for a request head whose encoding is `bytes` long, if that breaks MAX_HEAD_BYTES. */
export function requestHeadTooLarge(bytes: number): HeadError | undefined {
  return bytes > MAX_HEAD_BYTES ? new HeadError(`request: head larger than ${MAX_HEAD_BYTES} bytes`) : undefined;
}

/** Throws HeadError when the head breaks MAX_HEAD_FIELDS or MAX_HEAD_BYTES: the edge answers 431 then. */
export function encodeRequestHead(head: RequestHead): Buffer {
  const buf = Buffer.from(requestHeadText(head), 'utf8');
  const tooLarge = requestHeadTooLarge(buf.length);
  if (tooLarge !== undefined) throw tooLarge;
  return buf;
}

/** The response head's wire text (see requestHeadText). */
export function responseHeadText(head: ResponseHead): string {
  return joinHeaders(`${head.status}${NUL}${head.endOfStream === true ? 1 : 0}`, head.headers);
}

export function encodeResponseHead(head: ResponseHead): Buffer {
  return Buffer.from(responseHeadText(head), 'utf8');
}

/** Splits a head into its `fixed` leading fields and the header list after them. */
function splitHead(payload: Buffer, fixed: number, what: string): { fields: string[]; headers: string[] } {
  if (payload.length > MAX_HEAD_BYTES) throw new HeadError(`${what}: head larger than ${MAX_HEAD_BYTES} bytes`);
  const text = payload.toString('utf8');
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < fixed; i++) {
    const end = text.indexOf(NUL, at);
    if (end === -1) {
      if (i < fixed - 1) throw new HeadError(`${what}: malformed head (${i + 1} fields)`);
      fields.push(text.slice(at));
      return { fields, headers: [] };
    }
    fields.push(text.slice(at, end));
    at = end + 1;
  }
  const headers = text.slice(at).split(NUL);
  if (headers.length % 2 !== 0 || headers.length > MAX_HEADER_ENTRIES) {
    throw new HeadError(`${what}: malformed head (${fixed + headers.length} fields)`);
  }
  return { fields, headers };
}

function flagsOf(v: string | undefined, max: number, what: string): number {
  const f = v === undefined || v.length !== 1 ? -1 : v.charCodeAt(0) - 48;
  if (f < 0 || f > max) throw new HeadError(`${what}: bad flags`);
  return f;
}

export function parseRequestHead(payload: Buffer): RequestHead {
  const { fields, headers } = splitHead(payload, 3, 'request');
  const flags = flagsOf(fields[0], 3, 'request');
  const method = fields[1] as string;
  const path = fields[2] as string;
  if (method.length === 0 || method.length > 64) throw new HeadError('request: bad method');
  if (path.length > 65536) throw new HeadError('request: target longer than 65536 characters');
  const head: RequestHead = { method, path, headers };
  // Only set flags appear, so a decoded head deep-equals the head that was encoded.
  if ((flags & 2) !== 0) head.upgrade = true;
  if ((flags & 1) !== 0) head.endOfStream = true;
  return head;
}

export function parseResponseHead(payload: Buffer): ResponseHead {
  const { fields, headers } = splitHead(payload, 2, 'response');
  const text = fields[0] as string;
  const status = text.length === 3 ? Number(text) : Number.NaN;
  if (!Number.isInteger(status) || status < 100) throw new HeadError('response: bad status');
  const head: ResponseHead = { status, headers };
  if (flagsOf(fields[1], 1, 'response') === 1) head.endOfStream = true;
  return head;
}

export function parseStreamReset(payload: Buffer): StreamReset {
  try {
    const o = parseJson(payload, 'reset');
    return {
      code: isWarrenErrorCode(o.code) ? o.code : 'WARREN_STREAM_RESET',
      message: typeof o.message === 'string' ? o.message.slice(0, 1024) : 'stream reset',
    };
  } catch {
    return { code: 'WARREN_STREAM_RESET', message: 'stream reset' };
  }
}
