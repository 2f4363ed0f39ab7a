import type { Logger } from 'pino';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import { type AccessVerifier, checkAccess } from './access-check.js';
import { accessJwtVerifier } from './access-jwt-verifier.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { HelloWorldOriginHandler, HelloWorldServer } from './hello-world-origin.js';
import { HttpOrigin } from './http-origin.js';
import {
  type AccessConfig,
  describeService,
  headerValue,
  type Ingress,
  type IngressRule,
  requestHost,
} from './ingress/index.js';
import type { LogTap } from './log-tap.js';
import type { OriginContext, OriginHandler, SessionSummary } from './origin-handler.js';
import { type OriginEndpoint, OriginPool } from './origin-pool.js';
import { StatusOrigin } from './status-origin.js';
import { TcpOrigin } from './tcp-origin.js';
import { UdpOrigin } from './udp-origin.js';

export type { AccessVerifier } from './access-check.js';
export { MAX_UNCHUNKED_BODY } from './http-origin.js';

export interface OriginProxyOptions {
  ingress: Ingress;
  /** PEM trusted for https origins in addition to the system roots (warren's origin CA root, from `warren login`). */
  originCaRoot?: string | undefined;
  metrics?: ConnectorMetrics | undefined;
  logger?: Logger | undefined;
  /** Default: `warren/verify` against each rule's team JWKS (see access-jwt-verifier.ts). */
  accessVerifier?: AccessVerifier | undefined;
  /** The service domain D, for `teamName`s without a dot (`<teamName>.access.D`); the CLI passes WARREN_DOMAIN. */
  accessDomain?: string | undefined;
  /** `warren tail`: request logs for the edge while someone tails. */
  tap?: LogTap | undefined;
}

/** What a rule dispatches to, prepared once per (re)load so the hot path only reads fields. */
interface Route {
  readonly rule: IngressRule;
  readonly handler: OriginHandler;
  /** http(s) and unix: rules: the pool, for health checks. */
  readonly pool: OriginPool | undefined;
  /** Set when the rule requires Access: every request is checked before `handler` sees it. */
  readonly access: AccessConfig | undefined;
  readonly ruleIndex: number;
}

/**
 * Serves streams by the matched ingress rule (cloudflared's `proxy.go`): match, then the
 * Access check where the rule requires it, then the rule's origin handler. The rules can be
 * swapped while streams are in flight (SIGHUP).
 */
export class OriginProxy implements OriginContext {
  readonly metrics: ConnectorMetrics | undefined;
  readonly logger: Logger | undefined;
  readonly #verifier: AccessVerifier;
  readonly #originCaRoot: string | undefined;
  readonly #tap: LogTap | undefined;
  #ingress!: Ingress;
  #routes: Route[] = [];
  readonly #pools = new Map<string, OriginPool>();
  readonly #hello = new HelloWorldServer();

  constructor(options: OriginProxyOptions) {
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.#verifier = options.accessVerifier ?? accessJwtVerifier({ accessDomain: options.accessDomain });
    this.#originCaRoot = options.originCaRoot;
    this.#tap = options.tap;
    this.setIngress(options.ingress);
  }

  get ingress(): Ingress {
    return this.#ingress;
  }

  /**
   * Applies new rules to the next streams; streams in flight finish where they were going.
   * Pools of origins still in use (same address and options) are kept, the others retired.
   */
  setIngress(ingress: Ingress): void {
    if (!ingress.filesLoaded) {
      // A programming error: the rules' PEMs (and `~` in socket paths) would be missing.
      throw new TypeError('OriginProxy: the rules name files that were not read; pass them through loadOriginFiles');
    }
    const keep = new Set<string>();
    const routes = ingress.rules.map((rule) => this.#routeFor(rule, keep));
    for (const [key, pool] of this.#pools) {
      if (keep.has(key)) continue;
      pool.retire();
      this.#pools.delete(key);
    }
    this.#ingress = ingress;
    this.#routes = routes;
  }

  /**
   * The keep-alive pool a rule of the current ingress sends to (http(s) and unix: rules), so
   * health checks reach the origin with the same TLS, socket and timeout settings as requests.
   */
  poolFor(rule: IngressRule): OriginPool | undefined {
    const route = this.#routes[rule.index];
    return route?.rule === rule ? route.pool : undefined;
  }

  /** Closes pooled connections and the built-in hello_world origin. */
  close(): void {
    for (const pool of this.#pools.values()) pool.destroy();
    this.#pools.clear();
    this.#hello.close();
  }

  sessionClosed(head: RequestHead, s: SessionSummary): void {
    const unit = s.kind === 'tcp' ? 'bytes' : 'datagrams';
    const dropped = s.dropped === undefined || s.dropped === 0 ? '' : `, ${s.dropped} dropped`;
    const message = `${s.kind} session closed (${s.reason}): ${s.toOrigin} ${unit} to origin, ${s.fromOrigin} from origin${dropped}, ${s.ms} ms`;
    this.logger?.info(
      {
        rayId: headerValue(head.headers, 'cf-ray'),
        rule: s.rule,
        [s.kind === 'tcp' ? 'bytesToOrigin' : 'datagramsToOrigin']: s.toOrigin,
        [s.kind === 'tcp' ? 'bytesFromOrigin' : 'datagramsFromOrigin']: s.fromOrigin,
        ms: s.ms,
        reason: s.reason,
      },
      message,
    );
    const tap = this.#tap;
    if (tap?.active === true) tap.session(head, s.failed, s.ms, message);
  }

  handle(stream: MuxStream, head: RequestHead): void {
    const rule = this.#ingress.matchRequest(head.headers, head.path);
    const route = this.#routes[rule.index] as Route;
    // Tailing costs one boolean when no one tails.
    const tap = this.#tap;
    if (tap?.active === true)
      tap.observe(
        stream,
        head,
        route.rule.service.kind === 'tcp' || route.rule.service.kind === 'udp'
          ? 'tcp'
          : head.upgrade === true
            ? 'ws'
            : 'http',
      );
    // --loglevel debug: one line per request (cloudflared logs each one at debug); a level check when off.
    const logger = this.logger;
    if (logger?.isLevelEnabled('debug') === true) {
      // The path without its query: a query may carry a token, and secrets never reach the logs.
      const path = head.path.split('?')[0] ?? '';
      logger.debug(
        { method: head.method, host: requestHost(head.headers), path, rule: rule.index + 1 },
        `${head.method} ${path} → rule #${rule.index + 1} (${describeService(rule.service)})`,
      );
    }
    if (route.access !== undefined) {
      // Fail closed: the verifier refuses (403) whatever it cannot verify, including its own misconfiguration.
      checkAccess(stream, head, route as Route & { access: AccessConfig }, this.#verifier, this.metrics, this.logger);
      return;
    }
    route.handler.serve(stream, head);
  }

  #routeFor(rule: IngressRule, keep: Set<string>): Route {
    const s = rule.service;
    const label = describeService(s);
    let handler: OriginHandler;
    let pool: OriginPool | undefined;
    switch (s.kind) {
      case 'http':
      case 'unix': {
        const endpoint: OriginEndpoint =
          s.kind === 'http'
            ? { tls: s.tls, host: s.host, port: s.port, socketPath: undefined }
            : { tls: s.tls, host: 'localhost', port: 0, socketPath: s.path };
        const key = OriginPool.keyOf(endpoint, rule);
        pool = this.#pools.get(key);
        if (pool === undefined) {
          pool = new OriginPool(endpoint, rule, this.#originCaRoot);
          this.#pools.set(key, pool);
        }
        keep.add(key);
        handler = new HttpOrigin(pool, HttpOrigin.settingsOf(rule, label), this);
        break;
      }
      case 'hello_world':
        handler = new HelloWorldOriginHandler(this.#hello, HttpOrigin.settingsOf(rule, label), this);
        break;
      case 'http_status':
        handler = new StatusOrigin(s.status, this);
        break;
      case 'tcp':
        handler = new TcpOrigin(rule, label, this, s.url);
        break;
      case 'udp':
        handler = new UdpOrigin(rule, label, this, s.host, s.port);
        break;
    }
    const access = rule.originRequest.access;
    return { rule, handler, pool, access: access?.required === true ? access : undefined, ruleIndex: rule.index };
  }
}
