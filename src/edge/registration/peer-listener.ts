import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, MuxConnection } from '../../protocol/index.js';
import type { TunnelRegistry } from '../routing/tunnel-registry.js';
import { relayToLink } from './peer-relay.js';

/** The subject every edge's peer certificate carries (pki/edge-tls.ts issues it from the shared edge CA). */
export const PEER_COMMON_NAME = 'warren edge peer';

export interface PeerTlsMaterial {
  caPem: string;
  /** The peer certificate chain (EDGE_PEER_SUBJECT, serverAuth and clientAuth) and its key. */
  certPem: string;
  keyPem: string;
}

export interface PeerListenerOptions {
  bind: string;
  port: number;
  tls: PeerTlsMaterial;
  registry: TunnelRegistry;
  initialWindow: number;
  logger: Logger;
}

/**
 * The edge-to-edge listener: other edges of the deployment connect with mutual TLS (both sides
 * present a peer certificate from the shared edge CA; nothing else is accepted) and open one
 * stream per forwarded request on one multiplexed link, as the edge does with a connector.
 */
export class PeerListener {
  readonly server: tls.Server;
  readonly #o: PeerListenerOptions;
  readonly #conns = new Set<MuxConnection>();

  constructor(options: PeerListenerOptions) {
    this.#o = options;
    this.server = tls.createServer(
      {
        cert: options.tls.certPem,
        key: options.tls.keyPem,
        ca: [options.tls.caPem],
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
        handshakeTimeout: 10_000,
      },
      (socket) => this.#accept(socket),
    );
    this.server.on('tlsClientError', (err, socket) => {
      options.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'peer listener: TLS handshake refused');
    });
  }

  #accept(socket: tls.TLSSocket): void {
    const cert = socket.getPeerCertificate();
    // The tunnel listener's certificate comes from the same CA: only a peer certificate is an edge.
    if (!socket.authorized || cert.subject?.CN !== PEER_COMMON_NAME) {
      this.#o.logger.warn(
        { remote: socket.remoteAddress },
        'peer listener: refused a client without an edge peer certificate',
      );
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn = new MuxConnection(socket, {
      role: 'connector',
      initialWindow: this.#o.initialWindow,
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
    });
    conn.onStream = (stream, head) => relayToLink(this.#o.registry, stream, head);
    conn.onControl = () => {};
    conn.onClose = () => this.#conns.delete(conn);
    this.#conns.add(conn);
    conn.startHeartbeat();
  }

  async listen(): Promise<number> {
    // Exclusive: each edge worker of `--workers N` has its own peer port (node cluster shares the others).
    this.server.listen({ port: this.#o.port, host: this.#o.bind, exclusive: true });
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting and drops the links other edges hold to this one (their requests in flight fail over). */
  close(): void {
    this.server.close();
    for (const c of [...this.#conns]) c.destroy();
  }
}
