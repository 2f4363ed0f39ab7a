import { randomBytes } from 'node:crypto';
import {
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type MuxStream, type RequestHead, type StreamReset, stripHopByHop } from '../protocol/index.js';
import type { EdgeLink } from './edge-link.js';
import { errorBody, sendVisitorError, VISITOR_ERRORS, type VisitorError, wantsJson } from './error-page.js';
import { normalizeIp } from './tunnel-listener.js';
import type { TunnelRegistry } from './tunnel-registry.js';

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
  logger: Logger;
}

export const DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS = 100_000; // 100 seconds, as Cloudflare's proxy

/** Headers a visitor may not set: the edge is their only author. */
const EDGE_OWNED = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'cf-connecting-ip',
  'cf-ray',
  'cf-visitor',
  'cf-warp-tag-id',
  'cf-access-jwt-assertion',
  'cf-access-authenticated-user-email',
]);

/** Requests without a body are retried on another link when the first one was shutting down. */
const MAX_SHUTDOWN_RETRIES = 3;

/** One visitor request and its state across the attempts to forward it. */
class Visit {
  readonly proxy: VisitorProxy;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ray: string;
  readonly hasBody: boolean;
  /** The stream of the current attempt. */
  stream: MuxStream | undefined;
  attempt = 0;
  /** performance.now() after which the edge answers 504. */
  deadline = 0;

  constructor(proxy: VisitorProxy, req: IncomingMessage, res: ServerResponse, ray: string, hasBody: boolean) {
    this.proxy = proxy;
    this.req = req;
    this.res = res;
    this.ray = ray;
    this.hasBody = hasBody;
  }
}

const kVisit = Symbol('warren.visit');
interface VisitCarrier {
  [kVisit]?: Visit;
}

function onVisitorClose(this: ServerResponse): void {
  const visit = (this as VisitCarrier)[kVisit] as Visit;
  visit.proxy.visitorClosed(visit);
}

/** How often the edge looks for requests past the response timeout: a tenth of it, within [10 ms, 1 s]. */
function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10)));
}

/** Visitor side of the edge: one HTTP request or upgrade becomes one stream on one of the tunnel's links. */
export class VisitorProxy {
  readonly #o: VisitorProxyOptions;
  readonly #rayPrefix = randomBytes(4).toString('hex');
  #raySeq = 0;
  readonly #visitorScheme: string;
  /** Requests waiting for their response head, oldest first. */
  readonly #pending = new Set<Visit>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: VisitorProxyOptions) {
    this.#o = options;
    this.#visitorScheme = JSON.stringify({ scheme: options.scheme });
  }

  nextRayId(): string {
    this.#raySeq = (this.#raySeq + 1) >>> 0;
    return `${this.#rayPrefix}${this.#raySeq.toString(16).padStart(8, '0')}-${this.#o.edgeName}`;
  }

  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const ray = this.nextRayId();
    const route = this.#route(req);
    if ('error' in route) {
      sendVisitorError(req, res, route.error, ray);
      return;
    }
    const cl = req.headers['content-length'];
    const hasBody = cl !== undefined ? cl !== '0' : req.headers['transfer-encoding'] !== undefined;
    const visit = new Visit(this, req, res, ray, hasBody);
    (res as VisitCarrier)[kVisit] = visit;
    res.on('close', onVisitorClose);
    this.#forward(visit, route.link);
  };

  #forward(visit: Visit, link: EdgeLink): void {
    const { req, res } = visit;
    const head: RequestHead = {
      m: req.method ?? 'GET',
      p: req.url ?? '/',
      h: this.#requestHeaders(req, visit.ray, link, false),
    };
    if (!visit.hasBody) head.e = 1;
    const stream = link.conn.openStream(head);
    visit.stream = stream;
    this.#awaitResponse(visit);
    stream.onResponse = (rh) => {
      this.#pending.delete(visit);
      const headers = stripHopByHop(rh.h);
      headers.push('cf-ray', visit.ray);
      try {
        res.writeHead(rh.s, headers);
      } catch (err) {
        stream.reset('WARREN_ORIGIN_ERROR', 'response head rejected by the edge');
        sendVisitorError(
          req,
          res,
          VISITOR_ERRORS.originFailed(`invalid response header (${(err as Error).message})`),
          visit.ray,
        );
        return;
      }
      stream.pipeTo(res);
    };
    stream.onReset = (reset) => {
      this.#pending.delete(visit);
      if (
        reset.code === 'WARREN_SHUTTING_DOWN' &&
        !visit.hasBody &&
        visit.attempt < MAX_SHUTDOWN_RETRIES &&
        !res.headersSent
      ) {
        link.draining = true;
        const next = this.#o.registry.pick(link.tunnelId);
        if (next !== undefined) {
          visit.attempt++;
          this.#forward(visit, next);
          return;
        }
      }
      sendVisitorError(req, res, visitorErrorFor(reset), visit.ray);
    };
    if (visit.hasBody) stream.pipeFrom(req);
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
      for (const v of this.#pending) {
        if (v.deadline > now) break;
        this.#pending.delete(v);
        v.stream?.reset('WARREN_ORIGIN_TIMEOUT', 'the edge stopped waiting for the response');
        sendVisitorError(
          v.req,
          v.res,
          VISITOR_ERRORS.originTimeout(`No response within ${timeoutMs / 1000} s.`),
          v.ray,
        );
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, sweepIntervalMs(timeoutMs));
    this.#sweeper.unref();
  }

  /** @internal the visitor's response closed (finished, or the visitor went away). */
  visitorClosed(visit: Visit): void {
    this.#pending.delete(visit);
    const stream = visit.stream;
    if (stream !== undefined && !stream.closed) stream.reset('WARREN_STREAM_RESET', 'the visitor went away');
  }

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, early: Buffer): void => {
    const ray = this.nextRayId();
    socket.on('error', () => socket.destroy());
    const route = this.#route(req);
    if ('error' in route) {
      writeRawError(socket, route.error, ray, wantsJson(req.headers.accept));
      return;
    }
    const link = route.link;
    const stream = link.conn.openStream({
      m: req.method ?? 'GET',
      p: req.url ?? '/',
      h: this.#requestHeaders(req, ray, link, true),
      u: 1,
    });
    let switched = false;
    stream.onResponse = (rh) => {
      const headers = rh.s === 101 ? stripHopByHop(rh.h, undefined, true) : stripHopByHop(rh.h);
      headers.push('cf-ray', ray);
      if (rh.s !== 101) headers.push('connection', 'close');
      let rawHead: string;
      try {
        rawHead = serializeHead(rh.s, headers);
      } catch (err) {
        stream.reset('WARREN_ORIGIN_ERROR', 'response head rejected by the edge');
        writeRawError(socket, VISITOR_ERRORS.originFailed((err as Error).message), ray, false);
        return;
      }
      socket.write(rawHead);
      stream.pipeTo(socket);
      if (rh.s === 101) {
        switched = true;
        if (early.length > 0) stream.write(early);
        stream.pipeFrom(socket);
      } else {
        stream.end();
      }
    };
    stream.onReset = (reset) => {
      if (!switched) writeRawError(socket, visitorErrorFor(reset), ray, wantsJson(req.headers.accept));
      else socket.destroy();
    };
    socket.once('close', () => {
      if (!stream.closed) stream.reset('WARREN_STREAM_RESET', 'the visitor went away');
    });
  };

  #route(req: IncomingMessage): { link: EdgeLink } | { error: VisitorError } {
    const host = hostOf(req.headers.host);
    if (host === undefined) return { error: VISITOR_ERRORS.badRequest('The request has no Host header.') };
    const tunnelId = this.#o.router.resolve(host);
    if (tunnelId === undefined) return { error: VISITOR_ERRORS.unknownHost(host) };
    const link = this.#o.registry.pick(tunnelId);
    if (link === undefined) return { error: VISITOR_ERRORS.tunnelDown(host) };
    return { link };
  }

  #requestHeaders(req: IncomingMessage, ray: string, link: EdgeLink, upgrade: boolean): string[] {
    const out = stripHopByHop(req.rawHeaders, EDGE_OWNED, upgrade);
    const ip = normalizeIp(req.socket.remoteAddress);
    const prior = req.headers['x-forwarded-for'];
    out.push(
      'X-Forwarded-For',
      prior === undefined || prior === '' ? ip : `${prior}, ${ip}`,
      'X-Forwarded-Proto',
      this.#o.scheme,
      'Cf-Connecting-IP',
      ip,
      'Cf-Ray',
      ray,
      'Cf-Visitor',
      this.#visitorScheme,
      'Cf-Warp-Tag-Id',
      link.connector.connectorId,
    );
    return out;
  }
}

export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  let h = header.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? undefined : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h === '' ? undefined : h;
}

function visitorErrorFor(reset: StreamReset): VisitorError {
  switch (reset.code) {
    case 'WARREN_ORIGIN_UNREACHABLE':
      return VISITOR_ERRORS.originUnreachable(reset.message);
    case 'WARREN_ORIGIN_TIMEOUT':
      return VISITOR_ERRORS.originTimeout(reset.message);
    case 'WARREN_LINK_CLOSED':
    case 'WARREN_HEARTBEAT_TIMEOUT':
    case 'WARREN_PROTOCOL':
      return VISITOR_ERRORS.originFailed('the tunnel connection dropped during the request');
    default:
      return VISITOR_ERRORS.originFailed(reset.message);
  }
}

function serializeHead(status: number, headers: string[]): string {
  let s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    s += `${name}: ${value}\r\n`;
  }
  return `${s}\r\n`;
}

function writeRawError(socket: Duplex, err: VisitorError, ray: string, json: boolean): void {
  if (!socket.writable) return;
  const { type, body } = errorBody(err, ray, json);
  socket.end(
    serializeHead(err.status, [
      'content-type',
      type,
      'content-length',
      String(Buffer.byteLength(body)),
      'cf-ray',
      ray,
      'connection',
      'close',
    ]) + body,
  );
}
