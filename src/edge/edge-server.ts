import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { DEFAULT_INITIAL_WINDOW } from '../protocol/index.js';
import { SYSTEM_TIMERS, type Timers } from '../time/index.js';
import type { AccessEdge } from './access/access-edge.js';
import { acmeChallengeAnswer, mayBeAcmeChallenge } from './acme-challenge-answer.js';
import { type ClientCertificateDemand, sniWithClientCertificates } from './client-certificate-request.js';
import { type DashboardHost, dashboardOnHttps } from './dashboard-host.js';
import { EdgeMetrics } from './edge-metrics.js';
import { hostOf } from './host-of.js';
import { VisitorLane } from './lane/visitor-lane.js';
import { type LinkStallTimes, LinkStallWatch } from './link-stall-watch.js';
import { ManagementHub } from './management-hub.js';
import { RateLimiter } from './rate-limiter.js';
import { reasonPhrase } from './reason-phrase.js';
import type { EdgeLink } from './registration/edge-link.js';
import { QuickTunnelAuthenticator } from './registration/quick-tunnel-authenticator.js';
import type { QuickTunnelAuthority } from './registration/quick-tunnel-authority.js';
import type { TunnelPortLimits } from './registration/tunnel-admission.js';
import type { TunnelAuthenticator } from './registration/tunnel-authenticator.js';
import { TunnelListener } from './registration/tunnel-listener.js';
import { QuickHostRouter } from './routing/quick-host-router.js';
import { TunnelRegistry } from './routing/tunnel-registry.js';
import {
  DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS,
  DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
  type HostRouter,
  VisitorProxy,
} from './visitor-proxy.js';
import { createVisitorTlsServer, type VisitorTlsListener } from './visitor-tls-server.js';
import type { ZoneSettingsTable } from './zone-edge-settings.js';
import { alwaysUseHttps, enforceMinTls, redirectsToHttps, withSecurityHeaders } from './zone-settings-gate.js';

export interface EdgeServerOptions {
  edgeName: string;
  bind: string;
  httpPort: number;
  tunnelPort: number;
  tls: { cert: string; key: string };
  /**
   * Visitor HTTPS listener. `certificates` picks one by SNI (uploaded and ACME ones); `cert`/`key`
   * (PEM, `--https-cert`) is the fallback for names it does not cover. No listener without either.
   */
  https?: { port: number; cert?: string | undefined; key?: string | undefined } | undefined;
  certificates?: { contextFor(servername: string | undefined): SecureContext | undefined } | undefined;
  /** Access mutual TLS: the SNI names on which the HTTPS listener asks for a client certificate. */
  clientCertificates?: ClientCertificateDemand | undefined;
  /** ACME HTTP-01: the key authorization for a token in flight (read from the store by every edge). */
  acmeChallenge?: ((token: string) => Promise<string | undefined>) | undefined;
  /** Zone settings enforced here: always_use_https, min_tls_version (per SNI), security_header. */
  zoneSettings?: ZoneSettingsTable | undefined;
  /** `dash.D` on the HTTPS port: the control API's handler (UI and /client/v4) for that Host. */
  dashboard?: DashboardHost | undefined;
  quick: QuickTunnelAuthority;
  /** Several edges share `quick`'s key: a quick hostname resolves by its name, wherever its tunnel linked. */
  quickAcrossEdges?: boolean | undefined;
  /** Quick tunnels one source address may create per minute (burst as many). */
  quickTunnelsPerMinute?: number;
  /** Named tunnels (control plane); absent in a bare edge. */
  named?: { authenticator: TunnelAuthenticator; router: HostRouter };
  /** Public base of visitor URLs; default http://<hostname>:<httpPort>. */
  publicUrl?: (hostname: string) => string;
  originResponseTimeoutMs?: number;
  /** A request body that sends nothing for this long gets 408 and its origin request is cancelled. */
  requestBodyIdleTimeoutMs?: number;
  initialWindow?: number;
  /** Tunnel port: handshake timeout and caps on unregistered and per-source connections. */
  tunnelLimits?: Partial<TunnelPortLimits> | undefined;
  /** The Access gate in front of protected hostnames, and the team domains' login pages. */
  access?: AccessEdge | undefined;
  /**
   * The service domain D: with `access`, named-tunnel connectors learn it at registration and may
   * ask for their account's Access JWKS over the link (`teamName: myteam` → `myteam.access.D`).
   */
  accessDomain?: string | undefined;
  onRegistered?: (link: EdgeLink) => void;
  onUnregistered?: (link: EdgeLink) => void;
  /** A connector's ConfigStatus frame: what it did with a pushed configuration (control records it). */
  onConfigStatus?: (link: EdgeLink, payload: Buffer) => void;
  logger: Logger;
  /** How soon a link that owes bytes and sends none is probed, and then stalled (defaults 1 s and 1 s). */
  linkStall?: Partial<LinkStallTimes> | undefined;
  /** Tunnel-port timers, link heartbeats, the stall watch and the shutdown drain (default SYSTEM_TIMERS); tests pass a ManualClock. */
  timers?: Timers | undefined;
}

export const DEFAULT_QUICK_TUNNELS_PER_MINUTE = 30;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000; // 10 seconds for in-flight requests when the edge stops
/** How often close() looks whether the in-flight requests have finished. */
const SHUTDOWN_DRAIN_POLL_MS = 50;

const VISITOR_HTTP1_LIMITS = {
  keepAliveTimeout: 75_000, // 75 seconds, longer than common client pools' idle timeouts
  headersTimeout: 60_000, // 60 seconds for the whole request head
  requestTimeout: 0, // bodies may stream for hours (1 GiB uploads); idle sockets are reaped by keepAliveTimeout
  maxHeaderSize: 32 * 1024, // 32 KiB; larger heads get 431
};

const VISITOR_SERVER_OPTIONS: ServerOptions = {
  ...VISITOR_HTTP1_LIMITS,
  keepAlive: true,
  noDelay: true,
};

/** Answers what node's HTTP parser rejected (431 for oversized heads, 408, else 400) and closes. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = `${reasonPhrase(status)}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The edge: visitor HTTP (and HTTPS) listeners + TLS tunnel listener around one registry of live links. */
export class EdgeServer {
  readonly registry: TunnelRegistry;
  readonly visitor: Server;
  /** Reads the plain HTTP port's bodiless requests without node's http objects; the rest go to `visitor`. */
  readonly lane: VisitorLane;
  /** The visitor HTTPS listener (h2 and http/1.1 by ALPN), when a certificate is configured. */
  get visitorTls(): Http2SecureServer | undefined {
    return this.#tls?.server;
  }
  readonly tunnels: TunnelListener;
  readonly proxy: VisitorProxy;
  /** Counters of refused visitors and connector responses (served on the API port's /metrics). */
  readonly metrics = new EdgeMetrics();
  /** `warren tail` sessions and the relay of connectors' log events. */
  readonly management: ManagementHub;
  /** Stops picking links that owe bytes and answer no probe, and moves their safe requests. */
  readonly stallWatch: LinkStallWatch;
  readonly #o: EdgeServerOptions;
  #httpPort = 0;
  #httpsPort: number | undefined;
  #tls: VisitorTlsListener | undefined;

  constructor(options: EdgeServerOptions) {
    this.#o = options;
    const { logger } = options;
    const router = new QuickHostRouter(
      options.named?.router,
      options.quickAcrossEdges === true ? (host) => options.quick.tunnelIdFor(host) : undefined,
    );
    this.registry = new TunnelRegistry({
      registered: (link) => {
        logger.info(
          {
            tunnelId: link.tunnelId,
            connIndex: link.connector.connIndex,
            connectorId: link.connector.connectorId,
            originIp: link.originIp,
          },
          'connection registered',
        );
        options.onRegistered?.(link);
        this.management.linkRegistered(link);
      },
      unregistered: (link) => {
        logger.info({ tunnelId: link.tunnelId, connIndex: link.connector.connIndex }, 'connection unregistered');
        options.onUnregistered?.(link);
        this.management.linkUnregistered(link);
      },
    });
    this.management = new ManagementHub(this.registry, logger, this.metrics.registry);
    this.stallWatch = new LinkStallWatch({
      registry: this.registry,
      times: options.linkStall,
      metrics: this.metrics,
      logger,
      timers: options.timers,
    });
    const perMinute = options.quickTunnelsPerMinute ?? DEFAULT_QUICK_TUNNELS_PER_MINUTE;
    const authenticator = new QuickTunnelAuthenticator(
      options.quick,
      new RateLimiter(perMinute, perMinute),
      router,
      options.named?.authenticator,
    );
    const proxyFor = (scheme: 'http' | 'https'): VisitorProxy =>
      new VisitorProxy({
        edgeName: options.edgeName,
        registry: this.registry,
        router,
        scheme,
        originResponseTimeoutMs: options.originResponseTimeoutMs ?? DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS,
        requestBodyIdleTimeoutMs: options.requestBodyIdleTimeoutMs ?? DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
        serviceDomain: options.quick.domain,
        metrics: this.metrics,
        access: options.access,
        logger,
      });
    this.proxy = proxyFor('http');
    const acme = options.acmeChallenge;
    const zoneSettings = options.zoneSettings;
    const plain =
      zoneSettings === undefined
        ? this.proxy.handleRequest
        : alwaysUseHttps(zoneSettings, () => this.#httpsPort, this.proxy.handleRequest);
    this.visitor = createServer(
      VISITOR_SERVER_OPTIONS,
      acme === undefined ? plain : acmeChallengeAnswer(acme, plain, logger),
    );
    this.visitor.on('upgrade', this.proxy.handleUpgrade);
    this.visitor.on('clientError', onClientError);
    this.lane = new VisitorLane(this.visitor, {
      handle: (req, res) =>
        !(acme !== undefined && mayBeAcmeChallenge(req.method, req.url ?? '')) &&
        !(zoneSettings !== undefined && redirectsToHttps(zoneSettings, this.#httpsPort, hostOf(req.headers.host))) &&
        this.proxy.handleLane(req, res),
      clientError: onClientError,
      maxHeaderSize: VISITOR_HTTP1_LIMITS.maxHeaderSize,
      headersTimeoutMs: VISITOR_HTTP1_LIMITS.headersTimeout,
      keepAliveTimeoutMs: VISITOR_HTTP1_LIMITS.keepAliveTimeout,
    });
    const https = options.https;
    if (https !== undefined && (options.certificates !== undefined || https.cert !== undefined)) {
      const tlsProxy = proxyFor('https');
      const sni = options.certificates;
      const mtls = options.clientCertificates;
      const listener = createVisitorTlsServer({
        tls: {
          ...(https.cert === undefined ? {} : { cert: https.cert, key: https.key }),
          minVersion: 'TLSv1.2',
          ...(sni === undefined && mtls === undefined
            ? {}
            : {
                SNICallback: sniWithClientCertificates(sni === undefined ? undefined : (n) => sni.contextFor(n), mtls),
              }),
        },
        http1: VISITOR_HTTP1_LIMITS,
        request: this.#tlsHandler(tlsProxy),
        upgrade: tlsProxy.handleUpgrade,
        clientError: onClientError,
      });
      if (zoneSettings !== undefined) enforceMinTls(listener.server, zoneSettings, logger);
      this.#tls = listener;
    }
    this.tunnels = new TunnelListener({
      edgeName: options.edgeName,
      cert: options.tls.cert,
      key: options.tls.key,
      registry: this.registry,
      authenticator,
      initialWindow: options.initialWindow ?? DEFAULT_INITIAL_WINDOW,
      publicUrl: (hostname) => (options.publicUrl ?? ((h) => `http://${h}:${this.#httpPort}`))(hostname),
      limits: options.tunnelLimits,
      onManagement: (link, payload) => this.management.onFrame(link, payload),
      onConfigStatus: options.onConfigStatus,
      accessKeys:
        options.access === undefined || options.accessDomain === undefined
          ? undefined
          : { domain: options.accessDomain, keys: options.access.teamKeys },
      logger,
      timers: options.timers,
    });
  }

  /** The HTTPS port's request path: dash.D to the API, else HSTS (zone settings) and the proxy. */
  #tlsHandler(proxy: VisitorProxy): (req: IncomingMessage, res: ServerResponse) => void {
    const { zoneSettings, dashboard } = this.#o;
    const visitors =
      zoneSettings === undefined ? proxy.handleRequest : withSecurityHeaders(zoneSettings, proxy.handleRequest);
    return dashboard === undefined ? visitors : dashboardOnHttps(dashboard, visitors);
  }

  async listen(): Promise<{ httpPort: number; tunnelPort: number; httpsPort: number | undefined }> {
    const { bind } = this.#o;
    const servers: NodeJS.EventEmitter[] = [this.visitor, this.tunnels.server];
    this.visitor.listen(this.#o.httpPort, bind);
    this.tunnels.server.listen(this.#o.tunnelPort, bind);
    if (this.visitorTls !== undefined) {
      this.visitorTls.listen(this.#o.https?.port ?? 0, bind);
      servers.push(this.visitorTls);
    }
    await Promise.all(servers.map((srv) => once(srv, 'listening')));
    this.stallWatch.start();
    this.#httpPort = (this.visitor.address() as AddressInfo).port;
    this.#httpsPort = this.visitorTls === undefined ? undefined : (this.visitorTls.address() as AddressInfo).port;
    return {
      httpPort: this.#httpPort,
      tunnelPort: (this.tunnels.server.address() as AddressInfo).port,
      httpsPort: this.#httpsPort,
    };
  }

  /** Stops accepting, tells connectors to go away, waits for in-flight requests (bounded), then closes links. */
  async close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.tunnels.server.close();
    this.stallWatch.stop();
    this.management.closeAll();
    this.visitor.close();
    this.visitor.closeIdleConnections();
    this.lane.closeIdle();
    this.#tls?.drain();
    this.tunnels.goAway(this.registry.allLinks());
    const timers = this.#o.timers ?? SYSTEM_TIMERS;
    const deadline = timers.now().getTime() + graceMs;
    // Bounded by the grace period; with a ManualClock the test moves time to end the drain.
    while (timers.now().getTime() < deadline && [...this.registry.allLinks()].some((l) => l.conn.streams.size > 0)) {
      await new Promise<void>((resolve) => timers.after(SHUTDOWN_DRAIN_POLL_MS, resolve, { ref: true }));
    }
    this.tunnels.destroyAll(this.registry.allLinks());
    this.visitor.closeAllConnections();
    this.lane.closeAll();
    this.#tls?.destroyAll();
  }
}
