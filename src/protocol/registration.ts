import { isWarrenErrorCode, WarrenError } from '../errors/index.js';
import { connectorTagsProblem } from './connector-tags.js';
import { type Frame, FrameType } from './frame.js';
import {
  type ConnectorInfo,
  encodeJson,
  MessageError,
  PROTOCOL_VERSION,
  parseJson,
  type RegisterAuth,
  type RegisterFailure,
  type RegisterRequest,
  type Registration,
  type ServerHello,
} from './messages.js';
import type { MuxConnection } from './mux-connection.js';

/*
 * The registration handshake, both sides of it (cloudflared's RegisterConnection):
 *
 *   edge → connector   Hello { version, nonce, edgeName }
 *   connector → edge   Register { version, auth (proof over the nonce), connector, heartbeatMs, initialWindow }
 *   edge → connector   Registered { connectionId, tunnelId, … }  or  RegisterError { code, message, retryable }
 *
 * Each function owns `conn.onControl` until the handshake ends; the caller installs its own after.
 */

/**
 * Connector side: waits for the edge's Hello, sends the request `requestFor(hello)` builds (the
 * proof needs the Hello's nonce), and resolves with the edge's answer: a Registration, or the
 * RegisterFailure that says whether a retry can help. Rejects with a retryable WARREN_PROTOCOL
 * error when the edge sends something that is not the protocol (the link is then destroyed), and
 * with WARREN_SHUTTING_DOWN when `signal` aborts. The caller bounds the wait and watches the link close.
 */
export function registerAsConnector(
  conn: MuxConnection,
  requestFor: (hello: ServerHello) => RegisterRequest,
  signal?: AbortSignal,
  /**
   * Takes over `onControl` the moment Registered is read: a frame the edge sends right after it
   * (a ConfigPush) may arrive in the same chunk, before the returned promise's callbacks run.
   */
  afterRegistered?: (frame: Frame) => void,
): Promise<Registration | RegisterFailure> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      conn.onControl = undefined;
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new WarrenError('WARREN_SHUTTING_DOWN', 'registration aborted', { retryable: false }));
    };
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    conn.onControl = (frame: Frame) => {
      try {
        switch (frame.type) {
          case FrameType.Hello: {
            const hello = parseServerHello(frame.payload);
            if (hello.version !== PROTOCOL_VERSION) {
              done();
              resolve({
                code: 'WARREN_PROTOCOL_VERSION',
                message: `the edge speaks protocol ${hello.version}, this connector ${PROTOCOL_VERSION}: upgrade the older side`,
                retryable: false,
              });
              return;
            }
            conn.sendFrame(FrameType.Register, 0, encodeJson(requestFor(hello)));
            return;
          }
          case FrameType.Registered: {
            const registration = parseRegistration(frame.payload);
            conn.peerInitialWindow = registration.initialWindow;
            done();
            conn.onControl = afterRegistered;
            resolve(registration);
            return;
          }
          case FrameType.RegisterError:
            done();
            resolve(parseRegisterFailure(frame.payload));
            return;
          default:
            throw new MessageError(`unexpected control frame ${frame.type} during registration`);
        }
      } catch (err) {
        // A garbled answer may be a broken middlebox or edge: another dial can succeed.
        const e = new WarrenError('WARREN_PROTOCOL', err instanceof MessageError ? err.message : 'bad control frame', {
          cause: err,
          retryable: true,
        });
        done();
        conn.destroy(e);
        reject(e);
      }
    };
  });
}

/** What the edge decides about one registration request. */
export type RegistrationDecision = { ok: true; registration: Registration } | { ok: false; failure: RegisterFailure };

export interface RegistrationJudge {
  /**
   * Checks the request (credentials, limits). A throw is a failure inside the edge, not a verdict
   * on the credentials: it is answered with the retryable WARREN_AUTH_UNAVAILABLE.
   */
  decide(request: RegisterRequest): Promise<RegistrationDecision>;
  /** Just before Registered is sent, on a link still open: raise limits, stop handshake clocks. */
  accepted?(request: RegisterRequest, registration: Registration): void;
}

export type AcceptOutcome =
  | { accepted: true; request: RegisterRequest; registration: Registration }
  /** `failure` was sent as RegisterError (and the link closed); none when the link closed first. */
  | { accepted: false; failure?: RegisterFailure; request?: RegisterRequest; cause?: unknown };

/**
 * Edge side: sends Hello, waits for one Register, lets `judge` decide, and answers Registered or
 * RegisterError (then closes the link gently, so the connector can read why). A second Register
 * or any other control frame before the answer is a protocol violation: the link is destroyed.
 * Resolves once answered, or when the link closed first (`conn.onClose` stays the caller's).
 */
export function acceptRegistration(
  conn: MuxConnection,
  hello: ServerHello,
  judge: RegistrationJudge,
): Promise<AcceptOutcome> {
  return new Promise((resolve) => {
    let registering = false;
    const refuse = (failure: RegisterFailure, request?: RegisterRequest, cause?: unknown): void => {
      conn.onControl = undefined;
      if (!conn.closed) {
        conn.sendFrame(FrameType.RegisterError, 0, encodeJson(failure));
        conn.close();
      }
      resolve({ accepted: false, failure, ...(request === undefined ? {} : { request }), cause });
    };
    const answer = (request: RegisterRequest, decision: RegistrationDecision): void => {
      if (conn.closed) {
        resolve({ accepted: false, request });
        return;
      }
      if (!decision.ok) {
        refuse(decision.failure, request);
        return;
      }
      judge.accepted?.(request, decision.registration);
      conn.onControl = undefined;
      conn.peerInitialWindow = request.initialWindow;
      conn.sendFrame(FrameType.Registered, 0, encodeJson(decision.registration));
      resolve({ accepted: true, request, registration: decision.registration });
    };
    conn.onControl = (frame: Frame) => {
      if (frame.type !== FrameType.Register) {
        conn.destroy(new WarrenError('WARREN_PROTOCOL', `unexpected control frame ${frame.type} before registration`));
        resolve({ accepted: false });
        return;
      }
      // One Register per link: a second one (even while the first is checked) is a peer making us work.
      if (registering) {
        conn.destroy(new WarrenError('WARREN_PROTOCOL', 'registered twice'));
        return;
      }
      registering = true;
      let request: RegisterRequest;
      try {
        request = parseRegisterRequest(frame.payload);
      } catch (err) {
        const message = err instanceof MessageError ? err.message : 'malformed registration';
        refuse({ code: 'WARREN_PROTOCOL', message, retryable: false });
        return;
      }
      if (request.version !== PROTOCOL_VERSION) {
        refuse(
          {
            code: 'WARREN_PROTOCOL_VERSION',
            message: `this edge speaks protocol ${PROTOCOL_VERSION}, the connector ${request.version}: upgrade the older side`,
            retryable: false,
          },
          request,
        );
        return;
      }
      judge.decide(request).then(
        (decision) => answer(request, decision),
        (err: unknown) =>
          conn.closed
            ? resolve({ accepted: false, request, cause: err })
            : refuse(
                {
                  code: 'WARREN_AUTH_UNAVAILABLE',
                  message: 'the edge could not check the credentials; retrying',
                  retryable: true,
                },
                request,
                err,
              ),
      );
    };
    conn.sendFrame(FrameType.Hello, 0, encodeJson(hello));
  });
}

/* The handshake's messages: each parsed strictly, a bad one is a MessageError naming its field. */

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
  const connector: ConnectorInfo = {
    connectorId: str(co, 'connectorId', what, 64),
    connIndex: int(co, 'connIndex', what, 0, 63),
    version: str(co, 'version', what, 64),
    arch: str(co, 'arch', what, 64),
    os: str(co, 'os', what, 64),
    ...featuresOf(co.features),
  };
  if (co.tags !== undefined) connector.tags = parseTags(co.tags, what);
  return {
    version,
    auth,
    connector,
    heartbeatMs: int(o, 'heartbeatMs', what, 100, 600_000),
    initialWindow: int(o, 'initialWindow', what, 64 * 1024, 1 << 30),
  };
}

function parseTags(v: unknown, what: string): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MessageError(`${what}: tags must be an object`);
  const problem = connectorTagsProblem(v as Record<string, unknown>);
  if (problem !== undefined) throw new MessageError(`${what}: ${problem}`);
  // A fresh object with only the checked own keys ("__proto__" is refused above).
  return Object.fromEntries(Object.entries(v as Record<string, string>));
}

/** Known names only, at most a handful: anything else in the list is dropped, not refused. */
function featuresOf(v: unknown): { features?: string[] } {
  if (!Array.isArray(v)) return {};
  const known = v.slice(0, 16).filter((f): f is string => typeof f === 'string' && KNOWN_FEATURES.has(f));
  return known.length === 0 ? {} : { features: known };
}

/** Optional connector messages (see ConnectorInfo.features). */
export const FEATURE_CONFIG_PUSH = 'config-push';
/** The connector streams its request log when asked (Management frames, `warren tail`). */
export const FEATURE_MANAGEMENT_LOGS = 'management-logs';
/** edge feature: it takes ConfigStatus frames (what the connector did with a pushed version). */
export const FEATURE_CONFIG_STATUS = 'config-status';
/** edge feature: it answers AccessKeys frames with the link's account's Access JWKS (access-keys.ts). */
export const FEATURE_ACCESS_KEYS = 'access-keys';
const KNOWN_FEATURES: ReadonlySet<string> = new Set([
  FEATURE_CONFIG_PUSH,
  FEATURE_MANAGEMENT_LOGS,
  FEATURE_CONFIG_STATUS,
  FEATURE_ACCESS_KEYS,
]);

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
  if (typeof o.accessDomain === 'string' && o.accessDomain.length <= 253) r.accessDomain = o.accessDomain;
  const edgeFeatures = featuresOf(o.features).features;
  if (edgeFeatures !== undefined) r.features = edgeFeatures;
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
