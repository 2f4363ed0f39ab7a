import { WarrenError } from '../errors/index.js';
import { type Frame, FrameType } from './frame.js';
import {
  encodeJson,
  MessageError,
  PROTOCOL_VERSION,
  parseRegisterFailure,
  parseRegisterRequest,
  parseRegistration,
  parseServerHello,
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
