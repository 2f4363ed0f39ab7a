import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { WarrenError } from '../../errors/index.js';
import {
  type AccessKeysAnswer,
  acceptRegistration,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  encodeAccessKeys,
  FEATURE_ACCESS_KEYS,
  FEATURE_CONFIG_STATUS,
  type Frame,
  FrameType,
  HEARTBEAT_MISSES_ALLOWED,
  MAX_FRAME_PAYLOAD,
  MuxConnection,
  PRE_REGISTRATION_MAX_FRAME_PAYLOAD,
  PROTOCOL_VERSION,
  parseAccessKeysRequest,
  type RegisterAuth,
  type Registration,
} from '../../protocol/index.js';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import type { TunnelRegistry } from '../routing/tunnel-registry.js';
import type { EdgeLink } from './edge-link.js';
import { type LinkClaim, LinkQuota } from './link-quota.js';
import { QUICK_ACCOUNT_TAG } from './quick-tunnel-authority.js';
import { type AdmissionTicket, TunnelAdmission, type TunnelPortLimits } from './tunnel-admission.js';
import type { AuthResult, TunnelAuthenticator } from './tunnel-authenticator.js';
import { DEFAULT_TUNNEL_PORT_LIMITS } from './tunnel-port-defaults.js';

/** A refused connector gets this long to read its RegisterError before the socket is destroyed. */
export const REFUSAL_LINGER_MS = 2_000; // 2 seconds
/** TCP keep-alive probes on idle links, so a vanished peer's socket is noticed by the kernel too. */
export const TCP_KEEPALIVE_MS = 30_000; // 30 seconds

export interface TunnelListenerOptions {
  edgeName: string;
  cert: string;
  key: string;
  registry: TunnelRegistry;
  authenticator: TunnelAuthenticator;
  /** Per-stream window the edge grants the connector. */
  initialWindow: number;
  /** Visitor URL for a hostname, shown to the connector (e.g. http://h:8080). */
  publicUrl: (hostname: string) => string;
  /** Caps and timeout before registration, and the bounds on registered links (defaults: DEFAULT_TUNNEL_PORT_LIMITS). */
  limits?: Partial<TunnelPortLimits> | undefined;
  /** Management frames (`warren tail`) from a registered link. */
  onManagement?: ((link: EdgeLink, payload: Buffer) => void) | undefined;
  /**
   * ConfigStatus frames (what a connector did with a pushed configuration) from a named-tunnel
   * link. When set, Registration lists `config-status` so connectors send them.
   */
  onConfigStatus?: ((link: EdgeLink, payload: Buffer) => void) | undefined;
  /**
   * AccessKeys frames from a named-tunnel link: `keys` answers the JWKS of `team` when it is the
   * link's account's team domain, else throws. When set, Registration lists `access-keys` and carries D.
   */
  accessKeys?: { domain: string; keys: (accountId: string, team: string) => Promise<{ keys: unknown[] }> } | undefined;
  logger: Logger;
  /** Handshake and refusal timers, link heartbeats and connectedAt (default SYSTEM_TIMERS); tests pass a ManualClock. */
  timers?: Timers | undefined;
}

/** The TLS listener connectors dial (port 7844): handshake, registration, then a MuxConnection per link. */
export class TunnelListener {
  readonly server: tls.Server;
  readonly #o: TunnelListenerOptions;
  readonly #pending = new Set<MuxConnection>();
  readonly #admission: TunnelAdmission;
  readonly #quota: LinkQuota;
  /** Admitted TCP connections by `address|port` until their socket closes: how #accept finds its ticket. */
  readonly #admitted = new Map<string, { raw: Socket; ticket: AdmissionTicket; stopHandshakeTimer: Cancel }>();
  readonly #stats = { refused: 0, handshakeTimeouts: 0 };
  readonly #timers: Timers;

  constructor(options: TunnelListenerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    const limits = { ...DEFAULT_TUNNEL_PORT_LIMITS, ...options.limits };
    this.#admission = new TunnelAdmission(limits);
    this.#quota = new LinkQuota(limits);
    this.server = tls.createServer(
      // handshakeTimeout is node's own bound on the TLS part (absolute, also for a silent client);
      // the admission timer below bounds the whole way to registration.
      { cert: options.cert, key: options.key, minVersion: 'TLSv1.2', handshakeTimeout: limits.handshakeTimeoutMs },
      (socket) => this.#accept(socket),
    );
    this.server.on('connection', (raw: Socket) => this.#admit(raw, limits.handshakeTimeoutMs));
    this.server.on('tlsClientError', (err, socket) => {
      options.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'tunnel listener: TLS handshake failed');
    });
  }

  /**
   * Connections not yet registered; how many were refused at accept by a cap, closed by the
   * handshake timeout, or closed to make room for a source holding fewer (`evicted`); how many
   * registrations a link limit refused; registered quick-tunnel links.
   */
  stats(): {
    pendingHandshakes: number;
    refused: number;
    handshakeTimeouts: number;
    evicted: number;
    linkLimitRefusals: number;
    quickLinks: number;
  } {
    return {
      pendingHandshakes: this.#admission.pending,
      ...this.#stats,
      evicted: this.#admission.evicted,
      linkLimitRefusals: this.#quota.refused,
      quickLinks: this.#quota.quickLinks,
    };
  }

  /** At TCP accept, before any TLS work: apply the caps and start the handshake clock. */
  #admit(raw: Socket, handshakeTimeoutMs: number): void {
    const ip = normalizeIp(raw.remoteAddress);
    const admitted = this.#admission.admit(ip, () => raw.destroy());
    if (!admitted.ok) {
      this.#stats.refused++;
      this.#o.logger.debug({ remote: ip, reason: admitted.reason }, 'tunnel listener: connection refused by a cap');
      raw.destroy();
      return;
    }
    const { ticket } = admitted;
    const key = socketKey(raw.remoteAddress, raw.remotePort);
    // Destroying the TCP socket also ends a TLS handshake in progress or a link waiting to register.
    const stopHandshakeTimer = this.#timers.after(handshakeTimeoutMs, () => {
      this.#stats.handshakeTimeouts++;
      raw.destroy();
    });
    const entry = { raw, ticket, stopHandshakeTimer };
    this.#admitted.set(key, entry);
    raw.once('close', () => {
      stopHandshakeTimer();
      ticket.release();
      if (this.#admitted.get(key) === entry) this.#admitted.delete(key);
    });
  }

  #accept(socket: tls.TLSSocket): void {
    const { logger } = this.#o;
    const admitted = this.#admitted.get(socketKey(socket.remoteAddress, socket.remotePort));
    if (admitted === undefined) {
      // Its TCP connection already closed (or was never admitted): nothing to serve.
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    const remoteIp = normalizeIp(socket.remoteAddress);
    const conn = new MuxConnection(socket, {
      role: 'edge',
      initialWindow: this.#o.initialWindow,
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
      // Anyone can get this far: until it registers, a peer may not make us buffer more than this.
      maxFramePayload: PRE_REGISTRATION_MAX_FRAME_PAYLOAD,
      timers: this.#timers,
    });
    const nonce = randomBytes(24).toString('base64');
    let link: EdgeLink | undefined;
    this.#pending.add(conn);
    conn.onClose = (err) => {
      this.#pending.delete(conn);
      claim?.release();
      if (link !== undefined) this.#o.registry.remove(link);
      if (err !== undefined && err.code !== 'WARREN_LINK_CLOSED') {
        logger.info({ code: err.code, reason: err.message, remote: remoteIp }, 'tunnel link dropped');
      }
    };
    let auth: Extract<AuthResult, { ok: true }> | undefined;
    /** This link's place under the link limits, from the accepted registration until the link closes. */
    let claim: LinkClaim | undefined;
    void acceptRegistration(
      conn,
      { version: PROTOCOL_VERSION, nonce, edgeName: this.#o.edgeName },
      {
        decide: async (request) => {
          // A quick tunnel over its limits is refused before a name is minted for it.
          if (isQuickAuth(request.auth)) {
            const full = this.#quota.quickRefusal(admitted.ticket.source);
            if (full !== undefined) {
              this.#quota.countRefusal();
              return { ok: false, failure: full };
            }
          }
          const result = await this.#o.authenticator.authenticate(request, nonce, remoteIp);
          if (!result.ok) return result;
          // No account answers for a quick tunnel: its links count against its source address.
          const placed = this.#quota.claim(
            result.tunnelId,
            result.accountId === undefined ? admitted.ticket.source : undefined,
          );
          if (!placed.ok) return placed;
          claim = placed.claim;
          auth = result;
          const registration: Registration = {
            connectionId: randomUUID(),
            edgeName: this.#o.edgeName,
            tunnelId: result.tunnelId,
            initialWindow: this.#o.initialWindow,
          };
          if (result.hostname !== undefined) {
            registration.hostname = result.hostname;
            registration.url = this.#o.publicUrl(result.hostname);
          }
          if (result.quick !== undefined) registration.quick = result.quick;
          // Only named tunnels get configurations pushed, so only they are asked to report on them.
          if (this.#o.onConfigStatus !== undefined && result.accountId !== undefined) {
            registration.features = [FEATURE_CONFIG_STATUS];
          }
          if (this.#o.accessKeys !== undefined && result.accountId !== undefined) {
            registration.features = [...(registration.features ?? []), FEATURE_ACCESS_KEYS];
            registration.accessDomain = this.#o.accessKeys.domain;
          }
          return { ok: true, registration };
        },
        accepted: () => {
          // Registered: the handshake clock stops and full-size frames are allowed (Data is
          // streamed, never buffered whole; the stream's window bounds it further).
          admitted.stopHandshakeTimer();
          admitted.ticket.registered();
          conn.maxFramePayload = MAX_FRAME_PAYLOAD;
        },
      },
    ).then((outcome) => {
      this.#pending.delete(conn);
      // Closed while it was decided (onClose ran before the claim), or not accepted after all.
      if (!outcome.accepted || conn.closed) claim?.release();
      if (!outcome.accepted) {
        if (outcome.failure === undefined) return;
        if (outcome.cause !== undefined) logger.error({ err: outcome.cause }, 'registration failed inside the edge');
        else if (outcome.request !== undefined) {
          logger.info(
            { code: outcome.failure.code, remote: remoteIp, connectorId: outcome.request.connector.connectorId },
            'registration refused',
          );
        }
        // A peer that never reads its RegisterError must not pin the socket.
        this.#timers.after(REFUSAL_LINGER_MS, () => conn.destroy());
        return;
      }
      const { request, registration } = outcome;
      // Closed since the answer went out: onClose already ran, so nothing may be added now.
      if (auth === undefined || conn.closed) return;
      link = {
        conn,
        connectionId: registration.connectionId,
        tunnelId: auth.tunnelId,
        accountId: auth.accountId,
        connector: request.connector,
        originIp: remoteIp,
        connectedAt: this.#timers.now(),
        hostname: auth.hostname,
        draining: false,
      };
      const registered = link;
      conn.onControl = (frame: Frame) => {
        if (frame.type === FrameType.Unregister) {
          registered.draining = true;
          conn.sendFrame(FrameType.UnregisterAck, 0);
          return;
        }
        if (frame.type === FrameType.Resume) {
          // The connector paused this link (its origin failed a health check) and is healthy again.
          registered.draining = false;
          return;
        }
        if (frame.type === FrameType.Management && this.#o.onManagement !== undefined) {
          this.#o.onManagement(registered, frame.payload);
          return;
        }
        if (frame.type === FrameType.ConfigStatus && registration.features?.includes(FEATURE_CONFIG_STATUS) === true) {
          this.#o.onConfigStatus?.(registered, frame.payload);
          return;
        }
        if (frame.type === FrameType.AccessKeys && registration.features?.includes(FEATURE_ACCESS_KEYS) === true) {
          this.#answerAccessKeys(registered, frame.payload);
          return;
        }
        conn.destroy(new WarrenError('WARREN_PROTOCOL', `unexpected control frame ${frame.type}`));
      };
      // Both sides ping at the connector's pace, so either notices a dead link within the same number of intervals.
      conn.startHeartbeat(request.heartbeatMs, request.heartbeatMs * HEARTBEAT_MISSES_ALLOWED);
      this.#o.registry.add(link);
    });
  }

  /** One AccessKeys request: the link's own account's JWKS, or a refusal naming why (never another account's keys). */
  #answerAccessKeys(link: EdgeLink, payload: Buffer): void {
    const source = this.#o.accessKeys;
    const accountId = link.accountId;
    if (source === undefined || accountId === undefined) return;
    let request: ReturnType<typeof parseAccessKeysRequest>;
    try {
      request = parseAccessKeysRequest(payload);
    } catch (err) {
      link.conn.destroy(err as WarrenError); // parse throws MessageError only; a malformed request breaks the protocol: the link is dropped
      return;
    }
    const send = (answer: AccessKeysAnswer): void => {
      if (!link.conn.closed) link.conn.sendFrame(FrameType.AccessKeys, 0, encodeAccessKeys(answer));
    };
    source.keys(accountId, request.team).then(
      (jwks) => send({ id: request.id, jwks }),
      (err: unknown) => {
        this.#o.logger.info(
          { tunnelId: link.tunnelId, team: request.team, reason: err instanceof Error ? err.message : 'error' },
          'access keys request refused',
        );
        send({ id: request.id, error: err instanceof Error ? err.message : 'refused' });
      },
    );
  }

  /** Tells every connector to go elsewhere; links close once their streams are done (or at `destroyAll`). */
  goAway(links: Iterable<EdgeLink>): void {
    for (const link of links) link.conn.sendFrame(FrameType.GoAway, 0);
  }

  destroyAll(links: Iterable<EdgeLink>): void {
    for (const c of this.#pending) c.destroy();
    // Connections still in their TLS handshake (or idle before it) have no MuxConnection yet.
    for (const { raw } of [...this.#admitted.values()]) raw.destroy();
    for (const link of [...links]) link.conn.destroy();
  }
}

/** A registration for a quick tunnel: a new one, or a re-join with quick credentials. */
function isQuickAuth(auth: RegisterAuth): boolean {
  return auth.kind === 'quick-new' || auth.accountTag === QUICK_ACCOUNT_TAG;
}

function socketKey(address: string | undefined, port: number | undefined): string {
  return `${address ?? ''}|${port ?? 0}`;
}

export function normalizeIp(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
