import type { OnReadOpts } from 'node:net';
import { type ConnectionOptions, connect, type SecureContext, type TLSSocket } from 'node:tls';
import { WarrenError } from '../errors/index.js';
import { pinnedChainProblem } from '../pki/edge-pin.js';
import {
  type ConfigStatus,
  type ConnectorInfo,
  encodeConfigStatus,
  FEATURE_ACCESS_KEYS,
  FEATURE_CONFIG_STATUS,
  type Frame,
  FrameType,
  LinkAccessKeys,
  LinkReader,
  MuxConnection,
  type MuxStream,
  PROTOCOL_VERSION,
  proveSecret,
  type Registration,
  type RequestHead,
  registerAsConnector,
} from '../protocol/index.js';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../time/index.js';

export const DIAL_TIMEOUT_MS = 15_000; // 15 seconds for TCP + TLS
/** From the TLS handshake to the edge's answer: longer, since an edge busy registering thousands of links queues them. */
export const REGISTER_TIMEOUT_MS = 30_000; // 30 seconds
/** TCP keep-alive probes on the link, so a vanished edge's socket is noticed by the kernel too. */
export const LINK_TCP_KEEPALIVE_MS = 30_000; // 30 seconds

export interface TunnelCredentials {
  accountTag: string;
  tunnelId: string;
  secret: Buffer;
  /** The edge's HOST:PORT, when the tunnel token names it (warren's `e`). */
  edge?: string | undefined;
  /** The edge CA's SPKI pin (base64 SHA-256), when the tunnel token carries it (warren's `p`). */
  edgePin?: string | undefined;
}

/** The newest TLS session ticket from the edge (one per connector; the edge issues them per handshake). */
export class TlsSessionCache {
  #session: Buffer | undefined;

  get(): Buffer | undefined {
    return this.#session;
  }

  set(session: Buffer): void {
    this.#session = session;
  }
}

export interface ConnectorLinkOptions {
  host: string;
  port: number;
  /** Trust for the edge certificate, built once per connector (its CA, or the system roots). */
  secureContext: SecureContext;
  /** TLS sessions shared by a connector's links: later dials resume instead of a full handshake. */
  sessions: TlsSessionCache;
  /**
   * Trust the edge by this SPKI pin (base64 SHA-256) of a certificate in the chain it sends,
   * instead of `secureContext`'s CAs: a tunnel token's `p`, when no --edge-ca is given.
   */
  edgePin?: string | undefined;
  /** Name checked against the edge certificate. */
  servername: string;
  /** IP version to dial (`--edge-ip-version`); undefined: either. */
  family?: 4 | 6 | undefined;
  /** Local address to dial from (`--edge-bind-address`). */
  localAddress?: string | undefined;
  connector: ConnectorInfo;
  /** undefined asks the edge for a new quick tunnel. */
  credentials: TunnelCredentials | undefined;
  initialWindow: number;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  onStream: (stream: MuxStream, head: RequestHead) => void;
  /** Dial and registration deadlines and the link's heartbeat (default SYSTEM_TIMERS). */
  timers?: Timers | undefined;
  /** A Management frame (`warren tail`) from the edge; without a handler the link drops, as for any unknown frame. */
  onManagement?: ((conn: MuxConnection, payload: Buffer) => void) | undefined;
  /**
   * A ConfigPush frame's payload (the tunnel's remotely-managed configuration), unparsed, and
   * how to report on this link what became of it.
   */
  onConfigPush?: ((payload: Buffer, report: (status: ConfigStatus) => void) => void) | undefined;
}

/** One HA connection: dial the edge over TLS, prove the tunnel secret, then serve the streams the edge opens. */
export class ConnectorLink {
  readonly options: ConnectorLinkOptions;
  conn: MuxConnection | undefined;
  registration: Registration | undefined;
  #goingAway = false;
  #keysAsker: LinkAccessKeys | undefined;
  #onUnregistered: (() => void) | undefined;
  /** Resolves when the link is gone (with the reason, if any). */
  readonly closed: Promise<WarrenError | undefined>;
  #resolveClosed!: (err: WarrenError | undefined) => void;

  constructor(options: ConnectorLinkOptions) {
    this.options = options;
    this.closed = new Promise((r) => {
      this.#resolveClosed = r;
    });
  }

  get goingAway(): boolean {
    return this.#goingAway;
  }

  /** Dials and registers; rejects with a WarrenError that says whether a retry can help. */
  connect(signal: AbortSignal): Promise<Registration> {
    const o = this.options;
    const timers = o.timers ?? SYSTEM_TIMERS;
    return new Promise<Registration>((resolve, reject) => {
      let settled = false;
      const settle = (err: WarrenError | undefined, reg?: Registration): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          socket.destroy();
          reject(err);
        } else resolve(reg as Registration);
      };
      const onAbort = (): void =>
        settle(new WarrenError('WARREN_SHUTTING_DOWN', 'connect aborted', { retryable: false }));
      signal.addEventListener('abort', onAbort, { once: true });
      const expire = (what: string, ms: number) => () =>
        settle(
          new WarrenError('WARREN_EDGE_UNREACHABLE', `no ${what} from ${o.host}:${o.port} within ${ms} ms`, {
            retryable: true,
          }),
        );
      let cancelTimer: Cancel = timers.after(DIAL_TIMEOUT_MS, expire('TLS handshake', DIAL_TIMEOUT_MS));
      // The link's reads land in one reused buffer (link-reader.ts) rather than a Buffer each. node's
      // tls.connect takes `onread` as net.connect does (since 14.17); @types/node does not list it.
      const reader = new LinkReader();
      const options: ConnectionOptions & { onread: OnReadOpts } = {
        onread: reader.onread,
        host: o.host,
        port: o.port,
        ...(o.family !== undefined ? { family: o.family } : {}),
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
        servername: isIpLiteral(o.servername) ? undefined : o.servername,
        secureContext: o.secureContext,
        // A pinned edge is checked below on every full handshake: no session resumption then.
        ...(o.edgePin === undefined ? { session: o.sessions.get() } : { rejectUnauthorized: false }),
        minVersion: 'TLSv1.2',
      };
      const socket: TLSSocket = connect(options);
      let secured = false;
      if (o.edgePin === undefined) socket.on('session', (session: Buffer) => o.sessions.set(session));
      socket.setNoDelay(true);
      socket.setKeepAlive(true, LINK_TCP_KEEPALIVE_MS);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (isTlsTrustError(err)) {
          settle(
            new WarrenError(
              'WARREN_EDGE_UNTRUSTED',
              `the edge at ${o.host}:${o.port} presented a certificate this connector does not trust (${err.code ?? err.message}); pass --edge-ca with the edge's <data-dir>/edge-ca.pem`,
              { cause: err, retryable: false },
            ),
          );
          return;
        }
        // The edge's caps on unregistered connections close at TCP accept, before TLS could carry a reason.
        const hint =
          err.code === 'ECONNRESET' && !secured
            ? ' before the TLS handshake (the edge may be at its cap of unregistered connections from this address, --tunnel-max-pending-per-source, or in all, --tunnel-max-pending)'
            : '';
        settle(
          new WarrenError(
            'WARREN_EDGE_UNREACHABLE',
            `cannot reach the edge at ${o.host}:${o.port}: ${err.code ?? err.message}${hint}`,
            {
              cause: err,
              retryable: true,
            },
          ),
        );
      });
      socket.once('secureConnect', () => {
        const pinProblem =
          o.edgePin === undefined
            ? undefined
            : pinnedChainProblem(socket.getPeerCertificate(true), o.edgePin, new Date());
        if (pinProblem !== undefined) {
          settle(
            new WarrenError(
              'WARREN_EDGE_UNTRUSTED',
              `the edge at ${o.host}:${o.port} does not match the edge CA pin of the tunnel token (${pinProblem}); copy the command again from the dashboard, or pass --edge-ca with the edge's <data-dir>/edge-ca.pem`,
              { retryable: false },
            ),
          );
          return;
        }
        secured = true;
        cancelTimer();
        cancelTimer = timers.after(REGISTER_TIMEOUT_MS, expire('registration', REGISTER_TIMEOUT_MS));
        const conn = new MuxConnection(socket, {
          role: 'connector',
          initialWindow: o.initialWindow,
          heartbeatMs: o.heartbeatMs,
          heartbeatTimeoutMs: o.heartbeatTimeoutMs,
          timers,
          reader,
        });
        this.conn = conn;
        conn.onClose = (err) => {
          settle(
            err ??
              new WarrenError('WARREN_LINK_CLOSED', 'the edge closed the connection during registration', {
                retryable: true,
              }),
          );
          this.#keys.close();
          this.#resolveClosed(err);
        };
        const c = o.credentials;
        registerAsConnector(
          conn,
          (hello) => ({
            version: PROTOCOL_VERSION,
            auth:
              c === undefined
                ? { kind: 'quick-new' }
                : {
                    kind: 'secret',
                    accountTag: c.accountTag,
                    tunnelId: c.tunnelId,
                    proof: proveSecret(c.secret, hello.nonce),
                  },
            connector: o.connector,
            heartbeatMs: o.heartbeatMs,
            initialWindow: o.initialWindow,
          }),
          signal,
          (frame: Frame) => this.#onControl(conn, frame),
        ).then(
          (answer) => {
            if ('code' in answer) {
              settle(new WarrenError(answer.code, answer.message, { retryable: answer.retryable }));
              return;
            }
            this.registration = answer;
            conn.onStream = o.onStream;
            conn.startHeartbeat();
            settle(undefined, answer);
          },
          (err: WarrenError) => settle(err),
        );
      });
    });
  }

  /** Link-level frames after registration. */
  #onControl(conn: MuxConnection, frame: Frame): void {
    switch (frame.type) {
      case FrameType.UnregisterAck:
        this.#onUnregistered?.();
        this.#onUnregistered = undefined;
        return;
      case FrameType.ConfigPush:
        // Parsed and judged by the orchestrator: a bad configuration is refused, the link stays.
        this.options.onConfigPush?.(frame.payload, (status) => this.#reportConfig(conn, status));
        return;
      case FrameType.GoAway:
        this.#goingAway = true;
        // Finish what is in flight; the edge closes the link when it is done.
        return;
      case FrameType.AccessKeys:
        if (this.registration?.features?.includes(FEATURE_ACCESS_KEYS) !== true) break;
        try {
          this.#keys.onAnswer(frame.payload);
        } catch (err) {
          conn.destroy(err instanceof WarrenError ? err : new WarrenError('WARREN_PROTOCOL', 'bad access keys answer'));
        }
        return;
      case FrameType.Management:
        if (this.options.onManagement === undefined) break;
        this.options.onManagement(conn, frame.payload);
        return;
    }
    conn.destroy(new WarrenError('WARREN_PROTOCOL', `unexpected control frame ${frame.type}`));
  }

  get #keys(): LinkAccessKeys {
    this.#keysAsker ??= new LinkAccessKeys(this.options.timers ?? SYSTEM_TIMERS);
    return this.#keysAsker;
  }

  /**
   * Team domain `team`'s Access JWKS over this link, or undefined when the link is not registered
   * or its edge does not answer AccessKeys (an older edge would drop the link over the frame).
   */
  accessKeys(team: string): Promise<{ keys: unknown[] }> | undefined {
    const conn = this.conn;
    return conn === undefined || !this.answersAccessKeys ? undefined : this.#keys.request(conn, team);
  }

  /** Registered, open, and its edge answers AccessKeys. */
  get answersAccessKeys(): boolean {
    return this.conn?.closed === false && this.registration?.features?.includes(FEATURE_ACCESS_KEYS) === true;
  }

  /** Tells the edge what became of a pushed version, when it takes such reports (an older edge would drop the link). */
  #reportConfig(conn: MuxConnection, status: ConfigStatus): void {
    if (conn.closed || this.registration?.features?.includes(FEATURE_CONFIG_STATUS) !== true) return;
    conn.sendFrame(FrameType.ConfigStatus, 0, encodeConfigStatus(status));
  }

  /**
   * Graceful: ask the edge to send no new requests on this link. Resolves once the edge
   * confirmed (every stream it opened here has then arrived), or the link is gone.
   */
  unregister(): Promise<void> {
    const conn = this.conn;
    if (conn === undefined || conn.closed) return Promise.resolve();
    const acked = new Promise<void>((resolve) => {
      this.#onUnregistered = resolve;
      void this.closed.then(() => resolve());
    });
    conn.sendFrame(FrameType.Unregister, 0);
    return acked;
  }

  /** Undoes `unregister`: the edge sends new requests on this link again. */
  resume(): void {
    this.conn?.sendFrame(FrameType.Resume, 0);
  }

  close(): void {
    this.conn?.close();
  }

  destroy(): void {
    this.conn?.destroy();
  }
}

function isIpLiteral(s: string): boolean {
  return /^[\d.]+$/.test(s) || s.includes(':');
}

function isTlsTrustError(err: NodeJS.ErrnoException): boolean {
  const c = err.code ?? '';
  return (
    c === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    c === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    c === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    c === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    c === 'CERT_HAS_EXPIRED' ||
    c === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    c === 'CERT_SIGNATURE_FAILURE'
  );
}
