import { isWarrenErrorCode, type WarrenErrorCode } from '../errors/index.js';

/** Bumped on any incompatible change of frames or messages. */
export const PROTOCOL_VERSION = 1;

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
}

export interface RegisterFailure {
  code: WarrenErrorCode;
  message: string;
  retryable: boolean;
}

/** Request headers travel as node's rawHeaders: [name, value, name, value, …]. */
export interface RequestHead {
  m: string;
  p: string;
  h: string[];
  /** WebSocket (or other Upgrade) request: the stream becomes a raw byte pipe after a 101. */
  u?: 1;
  /** No body follows: the request half is already finished. */
  e?: 1;
}

export interface ResponseHead {
  s: number;
  h: string[];
  e?: 1;
}

export interface StreamReset {
  code: WarrenErrorCode;
  message: string;
}

export class MessageError extends Error {
  readonly code = 'WARREN_PROTOCOL';
}

function parseJson(payload: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError(`${what}: payload is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MessageError(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, what: string, max = 4096): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > max) throw new MessageError(`${what}: ${key} must be a string`);
  return v;
}

function int(o: Record<string, unknown>, key: string, what: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new MessageError(`${what}: ${key} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function headerList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length % 2 !== 0 || v.length > 2000) {
    throw new MessageError(`${what}: h must be an even list of header names and values`);
  }
  for (const x of v) if (typeof x !== 'string') throw new MessageError(`${what}: header entries must be strings`);
  return v as string[];
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function parseServerHello(payload: Buffer): ServerHello {
  const o = parseJson(payload, 'hello');
  return {
    version: int(o, 'version', 'hello', 0, 1e6),
    nonce: str(o, 'nonce', 'hello'),
    edgeName: str(o, 'edgeName', 'hello', 255),
  };
}

export function parseRegisterRequest(payload: Buffer): RegisterRequest {
  const what = 'register';
  const o = parseJson(payload, what);
  const version = int(o, 'version', what, 0, 1e6);
  const a = o.auth;
  if (typeof a !== 'object' || a === null) throw new MessageError(`${what}: auth missing`);
  const ao = a as Record<string, unknown>;
  let auth: RegisterAuth;
  if (ao.kind === 'quick-new') auth = { kind: 'quick-new' };
  else if (ao.kind === 'secret') {
    auth = { kind: 'secret', tunnelId: str(ao, 'tunnelId', what, 64), proof: str(ao, 'proof', what, 128) };
    if (typeof ao.accountTag === 'string') auth.accountTag = ao.accountTag.slice(0, 64);
  } else throw new MessageError(`${what}: unknown auth kind`);
  const c = o.connector;
  if (typeof c !== 'object' || c === null) throw new MessageError(`${what}: connector missing`);
  const co = c as Record<string, unknown>;
  return {
    version,
    auth,
    connector: {
      connectorId: str(co, 'connectorId', what, 64),
      connIndex: int(co, 'connIndex', what, 0, 63),
      version: str(co, 'version', what, 64),
      arch: str(co, 'arch', what, 64),
      os: str(co, 'os', what, 64),
    },
    heartbeatMs: int(o, 'heartbeatMs', what, 100, 600_000),
    initialWindow: int(o, 'initialWindow', what, 64 * 1024, 1 << 30),
  };
}

export function parseRegistration(payload: Buffer): Registration {
  const what = 'registered';
  const o = parseJson(payload, what);
  const r: Registration = {
    connectionId: str(o, 'connectionId', what, 64),
    edgeName: str(o, 'edgeName', what, 255),
    tunnelId: str(o, 'tunnelId', what, 64),
    initialWindow: int(o, 'initialWindow', what, 64 * 1024, 1 << 30),
  };
  if (typeof o.url === 'string') r.url = o.url;
  if (typeof o.hostname === 'string') r.hostname = o.hostname;
  const q = o.quick;
  if (typeof q === 'object' && q !== null) {
    const qo = q as Record<string, unknown>;
    r.quick = {
      tunnelId: str(qo, 'tunnelId', what, 64),
      secret: str(qo, 'secret', what, 256),
      hostname: str(qo, 'hostname', what, 255),
    };
  }
  return r;
}

export function parseRegisterFailure(payload: Buffer): RegisterFailure {
  const o = parseJson(payload, 'register error');
  const code = isWarrenErrorCode(o.code) ? o.code : 'WARREN_PROTOCOL';
  return { code, message: str(o, 'message', 'register error'), retryable: o.retryable === true };
}

export function parseRequestHead(payload: Buffer): RequestHead {
  const o = parseJson(payload, 'request');
  const head: RequestHead = {
    m: str(o, 'm', 'request', 64),
    p: str(o, 'p', 'request', 65536),
    h: headerList(o.h, 'request'),
  };
  if (o.u === 1) head.u = 1;
  if (o.e === 1) head.e = 1;
  return head;
}

export function parseResponseHead(payload: Buffer): ResponseHead {
  const o = parseJson(payload, 'response');
  const head: ResponseHead = { s: int(o, 's', 'response', 100, 999), h: headerList(o.h, 'response') };
  if (o.e === 1) head.e = 1;
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
