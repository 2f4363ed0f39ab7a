import { randomBytes, randomUUID } from 'node:crypto';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { WarrenError } from '../errors/index.js';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  encodeJson,
  type Frame,
  FrameType,
  MessageError,
  MuxConnection,
  PROTOCOL_VERSION,
  parseRegisterRequest,
  type RegisterFailure,
  type Registration,
} from '../protocol/index.js';
import type { EdgeLink } from './edge-link.js';
import type { TunnelAuthenticator } from './tunnel-authenticator.js';
import type { TunnelRegistry } from './tunnel-registry.js';

export const HANDSHAKE_TIMEOUT_MS = 10_000; // 10 seconds from TCP accept to Register

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
  logger: Logger;
}

/** The TLS listener connectors dial (port 7844): handshake, registration, then a MuxConnection per link. */
export class TunnelListener {
  readonly server: tls.Server;
  readonly #o: TunnelListenerOptions;
  readonly #pending = new Set<MuxConnection>();

  constructor(options: TunnelListenerOptions) {
    this.#o = options;
    this.server = tls.createServer({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' }, (socket) =>
      this.#accept(socket),
    );
    this.server.on('tlsClientError', (err, socket) => {
      options.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'tunnel listener: TLS handshake failed');
    });
  }

  #accept(socket: tls.TLSSocket): void {
    const { logger } = this.#o;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const remoteIp = normalizeIp(socket.remoteAddress);
    const conn = new MuxConnection(socket, {
      role: 'edge',
      initialWindow: this.#o.initialWindow,
      heartbeatMs: 5_000,
      heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
    });
    const nonce = randomBytes(24).toString('base64');
    let link: EdgeLink | undefined;
    this.#pending.add(conn);
    const handshakeTimer = setTimeout(() => {
      conn.destroy(new WarrenError('WARREN_PROTOCOL', 'no registration within the handshake timeout'));
    }, HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();

    const fail = (failure: RegisterFailure): void => {
      conn.sendFrame(FrameType.RegisterError, 0, encodeJson(failure));
      conn.close();
      // A peer that never reads must not pin the socket.
      setTimeout(() => conn.destroy(), 2_000).unref();
    };

    conn.onControl = (frame: Frame) => {
      if (frame.type === FrameType.Register) {
        if (link !== undefined) return conn.destroy(new WarrenError('WARREN_PROTOCOL', 'registered twice'));
        let request: ReturnType<typeof parseRegisterRequest>;
        try {
          request = parseRegisterRequest(frame.payload);
        } catch (err) {
          const message = err instanceof MessageError ? err.message : 'malformed registration';
          return fail({ code: 'WARREN_PROTOCOL', message, retryable: false });
        }
        if (request.version !== PROTOCOL_VERSION) {
          return fail({
            code: 'WARREN_PROTOCOL_VERSION',
            message: `this edge speaks protocol ${PROTOCOL_VERSION}, the connector ${request.version}: upgrade the older side`,
            retryable: false,
          });
        }
        this.#o.authenticator.authenticate(request, nonce, remoteIp).then(
          (result) => {
            clearTimeout(handshakeTimer);
            this.#pending.delete(conn);
            if (conn.closed) return;
            if (!result.ok) {
              logger.info(
                { code: result.failure.code, remote: remoteIp, connectorId: request.connector.connectorId },
                'registration refused',
              );
              return fail(result.failure);
            }
            conn.peerInitialWindow = request.initialWindow;
            const connectionId = randomUUID();
            link = {
              conn,
              connectionId,
              tunnelId: result.tunnelId,
              accountId: result.accountId,
              connector: request.connector,
              originIp: remoteIp,
              connectedAt: new Date(),
              hostname: result.hostname,
              draining: false,
            };
            const registration: Registration = {
              connectionId,
              edgeName: this.#o.edgeName,
              tunnelId: result.tunnelId,
              initialWindow: this.#o.initialWindow,
            };
            if (result.hostname !== undefined) {
              registration.hostname = result.hostname;
              registration.url = this.#o.publicUrl(result.hostname);
            }
            if (result.quick !== undefined) registration.quick = result.quick;
            conn.sendFrame(FrameType.Registered, 0, encodeJson(registration));
            // Both sides ping at the connector's pace, so either notices a dead link within three intervals.
            conn.startHeartbeat(request.heartbeatMs, request.heartbeatMs * 3);
            this.#o.registry.add(link);
          },
          (err: unknown) => {
            logger.error({ err }, 'registration failed inside the edge');
            fail({
              code: 'WARREN_AUTH_FAILED',
              message: 'the edge could not check the credentials; retrying',
              retryable: true,
            });
          },
        );
        return;
      }
      if (frame.type === FrameType.Unregister) {
        if (link !== undefined) link.draining = true;
        conn.sendFrame(FrameType.UnregisterAck, 0);
        return;
      }
      if (frame.type === FrameType.Resume) {
        // The connector paused this link (its origin failed a health check) and is healthy again.
        if (link !== undefined) link.draining = false;
        return;
      }
      conn.destroy(new WarrenError('WARREN_PROTOCOL', `unexpected control frame ${frame.type}`));
    };
    conn.onClose = (err) => {
      clearTimeout(handshakeTimer);
      this.#pending.delete(conn);
      if (link !== undefined) this.#o.registry.remove(link);
      if (err !== undefined && err.code !== 'WARREN_LINK_CLOSED') {
        logger.info({ code: err.code, reason: err.message, remote: remoteIp }, 'tunnel link dropped');
      }
    };
    conn.sendFrame(FrameType.Hello, 0, encodeJson({ version: PROTOCOL_VERSION, nonce, edgeName: this.#o.edgeName }));
  }

  /** Tells every connector to go elsewhere; links close once their streams are done (or at `destroyAll`). */
  goAway(links: Iterable<EdgeLink>): void {
    for (const link of links) link.conn.sendFrame(FrameType.GoAway, 0);
  }

  destroyAll(links: Iterable<EdgeLink>): void {
    for (const c of this.#pending) c.destroy();
    for (const link of [...links]) link.conn.destroy();
  }
}

export function normalizeIp(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
