import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HeadError, type MuxStream, type RequestHead } from '../protocol/index.js';
import { type AccessAnswer, writeAccessAnswer } from './access/access-answer.js';
import type { AccessEdge, AccessVerdict } from './access/access-edge.js';
import { BodyIdleWatch, sweepIntervalMs } from './body-idle-watch.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { sendVisitorError, VISITOR_ERRORS, visitorErrorFor, wantsJson } from './error-page.js';
import { originRequestHeaders } from './forwarded-headers.js';
import { hostOf } from './host-of.js';
import { mayReplay } from './may-replay.js';
import { writeRawError } from './raw-response.js';
import { reasonPhrase } from './reason-phrase.js';
import { type EdgeLink, openLinkStream } from './registration/edge-link.js';
import { normalizeIp } from './registration/tunnel-listener.js';
import { type RequestTarget, requestTarget } from './request-target.js';
import { frameResponse } from './response-framing.js';
import type { TunnelRegistry } from './routing/tunnel-registry.js';
import { attachVisit, isBulkLength, PendingVisits, Visit, type VisitorRequest, type VisitorResponse } from './visit.js';
import { forwardUpgrade, type RequestHeadersFn, type RouteFn, type UpgradeContext } from './visitor-upgrade.js';

/** Maps a visitor's Host (lower case, no port) to a tunnel id. */
export interface HostRouter {
  resolve(host: string): string | undefined;
}

export interface VisitorProxyOptions {
  edgeName: string;
  registry: TunnelRegistry;
  router: HostRouter;
  scheme: 'http' | 'https';
  /** How long the edge waits for the response head before answering 504. */
  originResponseTimeoutMs: number;
  /** How long a request body may send nothing before the edge answers 408 and cancels the origin request. */
  requestBodyIdleTimeoutMs?: number | undefined;
  /** The service domain D: quick tunnels live under `quick.D`, which origins may not set cookies for. */
  serviceDomain?: string | undefined;
  metrics?: EdgeMetrics | undefined;
  /** The Access gate: protected hosts, the team domains' pages. */
  access?: AccessEdge | undefined;
  logger: Logger;
}

export const DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS = 100_000; // 100 seconds, as Cloudflare's proxy
export const DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS = 100_000; // 100 seconds without a body byte, as Cloudflare's idle limit

/** How often a request is sent on another link: its link was shutting down (no body) or stalled (mayReplay). */
const MAX_RETRIES = 3;

const BAD_TARGET = 'The request target must be a path (/…) or an http(s) URL without user information.';

/** Visitor side of the edge: one HTTP request or upgrade becomes one stream on one of the tunnel's links. */
export class VisitorProxy {
  readonly #o: VisitorProxyOptions;
  readonly #rayPrefix = randomBytes(4).toString('hex');
  #raySeq = 0;
  readonly #visitorScheme: string;
  readonly #bodyIdleMs: number;
  readonly #quickSuffix: string | undefined;
  /** Requests waiting for their response head, oldest first. */
  readonly #pending = new PendingVisits();
  #sweeper: NodeJS.Timeout | undefined;
  /** Requests whose body is still arriving. */
  readonly #bodies: BodyIdleWatch<Visit>;
  readonly #onLengthMismatch = (): void => {
    if (this.#o.metrics !== undefined) this.#o.metrics.badResponses++;
  };

  /** What upgrade requests use of this proxy (visitor-upgrade.ts). */
  readonly #upgrades: UpgradeContext;

  constructor(options: VisitorProxyOptions) {
    this.#o = options;
    this.#visitorScheme = JSON.stringify({ scheme: options.scheme });
    this.#bodyIdleMs = options.requestBodyIdleTimeoutMs ?? DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS;
    this.#bodies = new BodyIdleWatch(this.#bodyIdleMs, (v) => this.#bodyTimedOut(v));
    this.#quickSuffix = options.serviceDomain === undefined ? undefined : `.quick.${options.serviceDomain}`;
    this.#upgrades = {
      route: this.#route,
      requestHeaders: this.#requestHeaders,
      metrics: options.metrics,
      logger: options.logger,
      serviceDomain: options.serviceDomain,
      onLengthMismatch: this.#onLengthMismatch,
    };
  }

  nextRayId(): string {
    this.#raySeq = (this.#raySeq + 1) >>> 0;
    return `${this.#rayPrefix}${this.#raySeq.toString(16).padStart(8, '0')}-${this.#o.edgeName}`;
  }

  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const ray = this.nextRayId();
    const target = requestTarget(req.url ?? '/', req.method ?? 'GET');
    if (target === undefined) {
      sendVisitorError(req, res, VISITOR_ERRORS.badRequest(BAD_TARGET), ray);
      return;
    }
    this.#gate(
      req,
      target,
      (v) => {
        if (res.destroyed || res.headersSent) return; // the visitor left while the gate was verifying
        if (v !== undefined && !Array.isArray(v)) writeAccessAnswer(res, v as AccessAnswer, ray);
        else {
          const cl = req.headers['content-length'];
          const hasBody = cl !== undefined ? cl !== '0' : req.headers['transfer-encoding'] !== undefined;
          this.#admitted(req, res, hasBody ? req : undefined, ray, target, v);
        }
      },
      () => {
        if (!res.headersSent && !res.destroyed) sendVisitorError(req, res, VISITOR_ERRORS.originFailed(), ray, true);
      },
    );
  };

  /**
   * A request from the visitor lane (no body, no upgrade; lane/visitor-lane.ts), forwarded, or
   * false without a word to the visitor: its target is malformed or the Access gate cannot decide
   * from memory (AccessEdge.fromMemory), and node's server takes it (handleRequest).
   */
  readonly handleLane = (req: VisitorRequest, res: VisitorResponse): boolean => {
    const target = requestTarget(req.url ?? '/', req.method ?? 'GET');
    if (target === undefined) return false;
    const v = this.#o.access?.fromMemory(req, target.authority ?? req.headers.host, target);
    if (v === false) return false;
    this.#admitted(req, res, undefined, this.nextRayId(), target, v);
    return true;
  };

  /** The Access gate's verdict for this request (undefined at once without a gate); `failed`: it could not decide. */
  #gate(req: IncomingMessage, target: RequestTarget, admitted: (v: AccessVerdict) => void, failed: () => void): void {
    const access = this.#o.access;
    if (access === undefined) admitted(undefined);
    else access.gate(req, target.authority ?? req.headers.host, target, this.#o.scheme, admitted, failed);
  }

  /** Past the Access gate (or without one): route and forward, with the gate's headers. */
  #admitted(
    req: VisitorRequest,
    res: VisitorResponse,
    body: IncomingMessage | undefined,
    ray: string,
    target: RequestTarget,
    v: string[] | undefined,
  ): void {
    const route = this.#route(target.authority ?? req.headers.host);
    if ('error' in route) {
      sendVisitorError(req, res, route.error, ray);
      return;
    }
    const visit = new Visit(this, req, res, body, ray, target, route.host, v);
    // A large upload (or one of unknown length) is a bulk transfer on its link.
    const cl = body?.headers['content-length'];
    if (body !== undefined && isBulkLength(cl === undefined ? -1 : Number(cl))) visit.bulkUpload = true;
    attachVisit(res, visit);
    this.#forward(visit, route.link);
    if (body !== undefined && visit.stream !== undefined && !body.complete) this.#bodies.add(visit);
  }

  #forward(visit: Visit, link: EdgeLink): void {
    const { req, res } = visit;
    const h = this.#requestHeaders(req, visit.ray, link, false, visit.target.authority, visit.accessHeaders);
    if (h === undefined) {
      sendVisitorError(req, res, VISITOR_ERRORS.badRequest('The request has more than one Host header.'), visit.ray);
      return;
    }
    const head: RequestHead = { method: req.method ?? 'GET', path: visit.target.path, headers: h };
    if (!visit.hasBody) head.endOfStream = true;
    let stream: MuxStream;
    try {
      stream = openLinkStream(link, head);
    } catch (err) {
      if (!(err instanceof HeadError)) throw err;
      // The connector would refuse this head: answer here, before anything reaches the link.
      if (this.#o.metrics !== undefined) this.#o.metrics.headersTooLarge++;
      sendVisitorError(req, res, VISITOR_ERRORS.headersTooLarge(), visit.ray, visit.hasBody);
      return;
    }
    visit.stream = stream;
    if (visit.bulkUpload) visit.markBulk(link);
    stream.replayable = visit.attempt < MAX_RETRIES && mayReplay(head.method, visit.hasBody);
    this.#awaitResponse(visit);
    stream.onResponse = (rh) => {
      this.#pending.delete(visit);
      if (rh.status < 200) {
        this.#refuseResponse(
          visit,
          link,
          rh.status === 101 ? 'a 101 to a request without Upgrade' : `an interim ${rh.status}`,
        );
        return;
      }
      const framed = frameResponse(rh.headers, visit.host, this.#o.serviceDomain);
      if (typeof framed === 'string') {
        this.#refuseResponse(visit, link, framed);
        return;
      }
      framed.headers.push('cf-ray', visit.ray);
      try {
        res.writeHead(rh.status, reasonPhrase(rh.status), framed.headers);
      } catch (err) {
        this.#refuseResponse(visit, link, `invalid response header (${(err as Error).message})`);
        return;
      }
      // The edge frames the body from the head it wrote: nothing after a HEAD, 204 or 304, and
      // never a byte past the Content-Length (it would start a forged response on a keep-alive connection).
      const bodyless = req.method === 'HEAD' || rh.status === 204 || rh.status === 304;
      stream.onLengthMismatch = this.#onLengthMismatch;
      if (!bodyless && isBulkLength(framed.length)) visit.markBulk(link);
      stream.pipeTo(res, bodyless ? 0 : framed.length);
    };
    stream.onReset = (reset) => {
      this.#pending.delete(visit);
      const stalled = reset.code === 'WARREN_LINK_STALLED'; // sent to replayable streams only
      if (
        (stalled || (reset.code === 'WARREN_SHUTTING_DOWN' && !visit.hasBody)) &&
        visit.attempt < MAX_RETRIES &&
        !res.headersSent
      ) {
        if (!stalled) link.draining = true;
        const next = this.#o.registry.pick(link.tunnelId);
        if (next !== undefined) {
          visit.attempt++;
          this.#forward(visit, next);
          return;
        }
      }
      this.#o.logger.debug({ rayId: visit.ray, tunnelId: link.tunnelId, code: reset.code }, 'stream reset');
      sendVisitorError(req, res, visitorErrorFor(reset), visit.ray, visit.hasBody && !req.complete);
    };
    if (visit.body !== undefined) stream.pipeFrom(visit.body);
  }

  /** The connector's response cannot be framed safely: 502, and the stream is reset (the origin request cancelled). */
  #refuseResponse(visit: Visit, link: EdgeLink, why: string): void {
    if (this.#o.metrics !== undefined) this.#o.metrics.badResponses++;
    visit.stream?.reset('WARREN_ORIGIN_ERROR', `the edge refused the response: ${why}`);
    this.#o.logger.info({ rayId: visit.ray, tunnelId: link.tunnelId, reason: why }, 'connector response refused');
    sendVisitorError(visit.req, visit.res, VISITOR_ERRORS.originFailed(), visit.ray, true);
  }

  /**
   * Every request gets the same response timeout, so the requests waiting for a head are in
   * deadline order: one sweep per tick of a coarse interval answers the expired ones with 504,
   * instead of a timer set and cleared per request.
   */
  #awaitResponse(visit: Visit): void {
    const timeoutMs = this.#o.originResponseTimeoutMs;
    visit.deadline = performance.now() + timeoutMs;
    this.#pending.add(visit);
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => {
      const now = performance.now();
      for (let v = this.#pending.first; v !== undefined && v.deadline <= now; v = this.#pending.first) {
        this.#pending.delete(v);
        v.stream?.reset('WARREN_ORIGIN_TIMEOUT', 'the edge stopped waiting for the response');
        sendVisitorError(
          v.req,
          v.res,
          VISITOR_ERRORS.originTimeout(`No response within ${timeoutMs / 1000} s.`),
          v.ray,
          v.hasBody && !v.req.complete,
        );
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, sweepIntervalMs(timeoutMs));
    this.#sweeper.unref();
  }

  /** 408 (or a closed connection, if the response started) and a reset that releases the origin request. */
  #bodyTimedOut(v: Visit): void {
    this.#pending.delete(v);
    if (this.#o.metrics !== undefined) this.#o.metrics.requestBodyTimeouts++;
    const seconds = this.#bodyIdleMs / 1000;
    v.stream?.reset('WARREN_REQUEST_TIMEOUT', `the visitor sent no body bytes for ${seconds} s`);
    this.#o.logger.debug({ rayId: v.ray }, 'request body idle timeout');
    sendVisitorError(v.req, v.res, VISITOR_ERRORS.bodyTimeout(seconds), v.ray, true);
  }

  /** @internal the visitor's response closed (finished, or the visitor went away). */
  visitorClosed(visit: Visit): void {
    visit.unmarkBulk();
    this.#pending.delete(visit);
    this.#bodies.delete(visit);
    const stream = visit.stream;
    if (stream !== undefined && !stream.closed) stream.reset('WARREN_STREAM_RESET', 'the visitor went away');
  }

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, early: Buffer): void => {
    const ray = this.nextRayId();
    socket.on('error', () => socket.destroy());
    const json = wantsJson(req.headers.accept);
    const target = requestTarget(req.url ?? '/', req.method ?? 'GET');
    if (target === undefined) {
      writeRawError(socket, VISITOR_ERRORS.badRequest(BAD_TARGET), ray, json);
      return;
    }
    this.#gate(
      req,
      target,
      (v) => forwardUpgrade(this.#upgrades, req, socket, early, ray, json, target, v),
      () => writeRawError(socket, VISITOR_ERRORS.originFailed(), ray, json),
    );
  };

  readonly #route: RouteFn = (hostHeader) => {
    const host = hostOf(hostHeader);
    if (host === undefined) return { error: VISITOR_ERRORS.badRequest('The request has no Host header.') };
    const tunnelId = this.#o.router.resolve(host);
    if (tunnelId === undefined) return { error: VISITOR_ERRORS.unknownHost(host) };
    const link = this.#o.registry.pick(tunnelId);
    if (link === undefined) {
      const quick = this.#quickSuffix !== undefined && host.endsWith(this.#quickSuffix);
      return { error: VISITOR_ERRORS.tunnelDown(host, quick) };
    }
    return { link, host };
  };

  readonly #requestHeaders: RequestHeadersFn = (req, ray, link, upgrade, authority, access) => {
    const prior = req.headers['x-forwarded-for'];
    return originRequestHeaders(req.rawHeaders, prior === undefined ? undefined : String(prior), upgrade, authority, {
      ip: normalizeIp(req.socket.remoteAddress),
      scheme: this.#o.scheme,
      visitor: this.#visitorScheme,
      ray,
      connectorId: link.connector.connectorId,
      access,
    });
  };
}
