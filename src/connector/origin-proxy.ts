import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import { WarrenError, type WarrenErrorCode } from '../errors/index.js';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import { accessJwtVerifier } from './access-jwt-verifier.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import type { HelloWorldOrigin } from './hello-world.js';
import { type AccessConfig, describeService, Ingress, type IngressRule, requestHost } from './ingress/index.js';
import { type OriginEndpoint, OriginPool } from './origin-pool.js';

/**
 * Checks a request to a rule with `originRequest.access.required` (the later Access issue
 * plugs the JWT check in here). `token` is the `Cf-Access-Jwt-Assertion` header, if any.
 * Returning false (or throwing, or rejecting) answers 403 without contacting the origin.
 */
export type AccessVerifier = (
  token: string | undefined,
  access: AccessConfig,
  head: RequestHead,
) => boolean | Promise<boolean>;

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
}

/** With `disableChunkedEncoding`, request bodies of unknown length are buffered up to this size. */
export const MAX_UNCHUNKED_BODY = 64 * 1024 * 1024; // 64 MiB

const NO_BODY_STATUS = new Set([204, 304]);
const TLS_TRUST_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

enum Kind {
  Http = 0,
  HelloWorld = 1,
  Status = 2,
  Tcp = 3,
}

/** What a rule dispatches to, prepared once per (re)load so the hot path only reads fields. */
interface Route {
  readonly rule: IngressRule;
  readonly kind: Kind;
  /** Http: the rule's pool; HelloWorld: set once the built-in origin listens. */
  pool: OriginPool | undefined;
  readonly status: number;
  readonly hostHeader: string | undefined;
  readonly matchSNItoHost: boolean;
  readonly disableChunked: boolean;
  readonly access: AccessConfig | undefined;
  /** For messages: the origin as configured. */
  readonly label: string;
}

// Per-request state travels on the objects node hands to the (shared, module-level) event
// handlers, so a request allocates one Exchange instead of a closure per event.
const kExchange = Symbol('warren.exchange');
interface Carrier {
  [kExchange]?: Exchange;
}

/** One request on its way to an origin. */
class Exchange {
  readonly proxy: OriginProxy;
  readonly stream: MuxStream;
  readonly head: RequestHead;
  readonly route: Route;
  readonly pool: OriginPool;
  readonly started: number;
  headers: string[];
  req: ClientRequest | undefined;
  /** Set while the request runs on the undici pool: cancels it. */
  abort: ((err?: Error) => void) | undefined;
  upgraded: Socket | undefined;
  answered = false;
  done = false;
  retried = false;

  constructor(
    proxy: OriginProxy,
    stream: MuxStream,
    head: RequestHead,
    route: Route,
    pool: OriginPool,
    headers: string[],
  ) {
    this.proxy = proxy;
    this.stream = stream;
    this.head = head;
    this.route = route;
    this.pool = pool;
    this.headers = headers;
    this.started = performance.now();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.proxy.metrics?.requestFinished();
  }
}

/**
 * Serves streams by the matched ingress rule: http(s) and unix-socket origins through one
 * keep-alive pool per origin, `http_status:NNN`, the built-in `hello_world`, with
 * backpressure both ways. The rules can be swapped while streams are in flight (SIGHUP).
 */
export class OriginProxy {
  readonly metrics: ConnectorMetrics | undefined;
  readonly logger: Logger | undefined;
  readonly #verifier: AccessVerifier;
  readonly #originCaRoot: string | undefined;
  #ingress!: Ingress;
  #routes: Route[] = [];
  readonly #pools = new Map<string, OriginPool>();
  /** Loaded on first use: it brings the `ws` package, which most connectors never need. */
  #hello: Promise<HelloWorldOrigin> | undefined;
  #helloPool: OriginPool | undefined;

  constructor(options: OriginProxyOptions) {
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.#verifier = options.accessVerifier ?? accessJwtVerifier({ accessDomain: options.accessDomain });
    this.#originCaRoot = options.originCaRoot;
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
    this.#helloPool?.destroy();
    void this.#hello?.then((hello) => hello.close());
  }

  handle(stream: MuxStream, head: RequestHead): void {
    const rule = this.#ingress.matchRequest(head.h, head.p);
    const route = this.#routes[rule.index] as Route;
    if (route.access !== undefined) {
      // Fail closed: the verifier refuses (403) whatever it cannot verify, including its own misconfiguration.
      this.#checkAccess(stream, head, route, this.#verifier);
      return;
    }
    this.#dispatch(stream, head, route);
  }

  #dispatch(stream: MuxStream, head: RequestHead, route: Route): void {
    switch (route.kind) {
      case Kind.Http:
        this.#proxy(stream, head, route, route.pool as OriginPool);
        return;
      case Kind.Status:
        this.#answer(stream, head, route.status, '');
        return;
      case Kind.HelloWorld: {
        const pool = this.#helloPool;
        if (pool !== undefined) {
          this.#proxy(stream, head, route, pool);
          return;
        }
        this.#startHelloWorld().then(
          () => {
            if (!stream.closed) this.#proxy(stream, head, route, this.#helloPool as OriginPool);
          },
          (err: Error) => {
            const message = `the hello_world origin did not start: ${err.message}`;
            this.logger?.error({ rayId: headerValue(head.h, 'cf-ray'), code: 'WARREN_ORIGIN_UNREACHABLE' }, message);
            stream.reset('WARREN_ORIGIN_UNREACHABLE', message);
          },
        );
        return;
      }
      case Kind.Tcp:
        this.metrics?.requestStarted(false);
        this.metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
        {
          const message = `${route.label} is a TCP service for \`warren access tcp\` clients, which this connector does not serve yet`;
          this.logger?.warn(
            { rayId: headerValue(head.h, 'cf-ray'), code: 'WARREN_ORIGIN_ERROR', rule: route.rule.index + 1 },
            message,
          );
          stream.reset('WARREN_ORIGIN_ERROR', message);
        }
        return;
    }
  }

  #checkAccess(stream: MuxStream, head: RequestHead, route: Route, verifier: AccessVerifier): void {
    const token = headerValue(head.h, 'cf-access-jwt-assertion');
    const deny = (why: unknown): void => {
      // The reason names a code and a cause, never the token (it is a bearer credential).
      const reason =
        why instanceof Error
          ? `${(why as Error & { code?: unknown }).code ?? why.name}: ${why.message}`
          : 'the verifier refused the token';
      // Configuration and JWKS problems are the operator's to fix (warn); a missing token is what
      // every visitor who bypassed the gate sends (debug, so visitors cannot flood the log).
      const code = (why as { code?: unknown } | undefined)?.code;
      const level =
        code === 'WARREN_ACCESS_TOKEN_MISSING'
          ? 'debug'
          : code === 'WARREN_ACCESS_UNVERIFIABLE' || code === 'WARREN_ACCESS_JWKS_UNAVAILABLE'
            ? 'warn'
            : 'info';
      this.logger?.[level](
        { rule: route.rule.index, host: requestHost(head.h), reason },
        'access: request refused with 403 before it reached the origin',
      );
      if (!stream.closed)
        this.#answer(stream, head, 403, 'Forbidden: this hostname requires a valid Cloudflare Access token\n');
    };
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = verifier(token, route.access as AccessConfig, head);
    } catch (err) {
      deny(err);
      return;
    }
    if (verdict === true) this.#dispatch(stream, head, route);
    else if (verdict === false) deny(undefined);
    else {
      verdict.then((ok) => {
        if (ok !== true) deny(undefined);
        else if (!stream.closed) this.#dispatch(stream, head, route);
      }, deny);
    }
  }

  /** Answers without an origin (http_status:NNN, Access denials); any request body is read and dropped. */
  #answer(stream: MuxStream, head: RequestHead, status: number, body: string): void {
    this.metrics?.requestStarted(false);
    this.metrics?.responded(status);
    if (head.e !== 1) stream.pipeTo(new Writable({ write: discard }));
    if (body === '' || head.m === 'HEAD') {
      stream.respond({ s: status, h: ['content-length', body === '' ? '0' : String(Buffer.byteLength(body))], e: 1 });
      return;
    }
    respondText(stream, status, body);
  }

  #proxy(stream: MuxStream, head: RequestHead, route: Route, pool: OriginPool): void {
    this.metrics?.requestStarted(true);
    let headers = head.h;
    if (route.hostHeader !== undefined) headers = rewriteHost(headers, route.hostHeader);
    const ex = new Exchange(this, stream, head, route, pool, headers);
    (stream as Carrier)[kExchange] = ex;
    stream.onReset = onStreamReset;
    if (route.disableChunked && head.e !== 1 && head.u !== 1 && headerValue(headers, 'content-length') === undefined) {
      bufferBody(ex, pool);
      return;
    }
    send(ex, pool, undefined);
  }

  #routeFor(rule: IngressRule, keep: Set<string>): Route {
    const s = rule.service;
    const o = rule.originRequest;
    let kind: Kind;
    let pool: OriginPool | undefined;
    let status = 0;
    switch (s.kind) {
      case 'http':
      case 'unix': {
        kind = Kind.Http;
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
        break;
      }
      case 'hello_world':
        kind = Kind.HelloWorld;
        void this.#startHelloWorld().catch(() => {});
        break;
      case 'http_status':
        kind = Kind.Status;
        status = s.status;
        break;
      case 'tcp':
        kind = Kind.Tcp;
        break;
    }
    return {
      rule,
      kind,
      pool,
      status,
      hostHeader: o.httpHostHeader,
      matchSNItoHost: o.matchSNItoHost && o.originServerName === undefined,
      disableChunked: o.disableChunkedEncoding,
      access: o.access?.required === true ? o.access : undefined,
      label: describeService(s),
    };
  }

  #startHelloWorld(): Promise<void> {
    this.#hello ??= import('./hello-world.js').then((m) => new m.HelloWorldOrigin());
    return this.#hello
      .then((hello) => hello.start())
      .then((port) => {
        if (this.#helloPool === undefined) {
          const rule = Ingress.fromUrl(`http://127.0.0.1:${port}`).rules[0] as IngressRule;
          this.#helloPool = new OriginPool({ tls: false, host: '127.0.0.1', port, socketPath: undefined }, rule);
        }
      });
  }
}

/** Sends the request to the origin; `body` is a buffered body (disableChunkedEncoding) or undefined to stream. */
function send(ex: Exchange, pool: OriginPool, body: Buffer | undefined): void {
  const head = ex.head;
  const ep = pool.endpoint;
  const upgrade = head.u === 1;
  if (!upgrade && pool.fast !== undefined && fastEligible(ex.headers, head.e === 1 || body !== undefined)) {
    sendFast(ex, pool.fast, body);
    return;
  }
  const options: RequestOptions & { servername?: string } = {
    host: ep.host,
    port: ep.port,
    method: head.m,
    path: head.p,
    headers: body === undefined ? ex.headers : [...ex.headers, 'Content-Length', String(body.length)],
  };
  if (ep.socketPath !== undefined) options.socketPath = ep.socketPath;
  if (upgrade) {
    // An upgraded connection never returns to the pool: dial a fresh one with the pool's settings.
    options.agent = false;
    options.createConnection = pool.connect;
  } else {
    options.agent = pool.agent;
  }
  if (ex.route.matchSNItoHost) {
    const host = requestHost(head.h);
    if (host !== '' && !host.startsWith('[')) options.servername = host;
  }
  const req = (ep.tls ? httpsRequest : httpRequest)(options);
  ex.req = req;
  (req as Carrier)[kExchange] = ex;
  req.on('error', onRequestError);
  req.on('response', onResponse);
  if (upgrade) {
    req.on('upgrade', onUpgrade);
    req.end();
  } else if (body !== undefined) {
    req.end(body);
  } else if (head.e === 1) {
    req.end();
  } else {
    ex.stream.pipeTo(req);
  }
}

/**
 * undici refuses `Expect`, and frames a streamed body of unknown length by whatever it has
 * buffered (Content-Length when the body is already complete): such requests keep node's
 * client, so the origin sees the visitor's framing (chunked stays chunked).
 */
function fastEligible(headers: readonly string[], bodyKnown: boolean): boolean {
  let length = bodyKnown;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 6 && name.toLowerCase() === 'expect') return false;
    if (name.length === 14 && name.toLowerCase() === 'content-length') length = true;
  }
  return length;
}

/** The undici path for plain-http origins (see OriginPool.fast); same semantics as `send`. */
function sendFast(ex: Exchange, fast: UndiciPool, body: Buffer | undefined): void {
  let payload: Buffer | PassThrough | null = null;
  if (body !== undefined) payload = body;
  else if (ex.head.e !== 1) {
    const pipe = new PassThrough();
    ex.stream.pipeTo(pipe);
    payload = pipe;
  }
  fast.dispatch({ path: ex.head.p, method: ex.head.m, headers: ex.headers, body: payload }, new FastExchange(ex, fast));
}

/** undici handler for one request: response head and body go straight onto the stream, with its backpressure. */
class FastExchange implements Dispatcher.DispatchHandler {
  readonly #ex: Exchange;
  readonly #fast: UndiciPool;
  #empty = false;

  constructor(ex: Exchange, fast: UndiciPool) {
    this.#ex = ex;
    this.#fast = fast;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#ex.abort = abort;
    if (this.#ex.stream.closed) abort();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx interim responses are the origin's and undici's business
    const ex = this.#ex;
    ex.answered = true;
    const stream = ex.stream;
    ex.proxy.metrics?.responded(status, ex.started);
    const h = new Array<string>(raw.length);
    let zeroLength = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString('latin1');
      const value = (raw[i + 1] as Buffer).toString('latin1');
      h[i] = name;
      h[i + 1] = value;
      if (name.length === 14 && value === '0' && name.toLowerCase() === 'content-length') zeroLength = true;
    }
    if (ex.head.m === 'HEAD' || NO_BODY_STATUS.has(status) || zeroLength) {
      this.#empty = true;
      stream.respond({ s: status, h, e: 1 });
      return true;
    }
    stream.respond({ s: status, h });
    stream.whenWritable(resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#empty) return true;
    return this.#ex.stream.write(chunk);
  }

  onComplete(): void {
    const ex = this.#ex;
    ex.abort = undefined;
    if (!this.#empty) ex.stream.end();
    ex.finish();
  }

  onError(err: Error): void {
    const ex = this.#ex;
    ex.abort = undefined;
    const stream = ex.stream;
    if (stream.closed) {
      ex.finish();
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    // An idle pooled connection the origin closed: retry a bodiless request once, as Go's transport does.
    if (!ex.answered && !ex.retried && ex.head.e === 1 && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) {
      ex.retried = true;
      sendFast(ex, this.#fast, undefined);
      return;
    }
    failExchange(ex, err);
  }
}

/** A whole text/plain response from the connector itself (no origin involved). */
function respondText(stream: MuxStream, status: number, body: string): void {
  stream.respond({
    s: status,
    h: ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))],
  });
  stream.write(Buffer.from(body));
  stream.end();
}

function bufferBody(ex: Exchange, pool: OriginPool): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > MAX_UNCHUNKED_BODY) {
        cb();
        sink.destroy();
        ex.finish();
        ex.proxy.metrics?.responded(413);
        respondText(
          ex.stream,
          413,
          `request body over ${MAX_UNCHUNKED_BODY} bytes without Content-Length (disableChunkedEncoding buffers it)\n`,
        );
        return;
      }
      chunks.push(chunk);
      cb();
    },
    final(cb) {
      cb();
      if (!ex.stream.closed) send(ex, pool, Buffer.concat(chunks, size));
    },
  });
  ex.stream.pipeTo(sink);
}

function onStreamReset(this: MuxStream): void {
  const ex = (this as Carrier)[kExchange];
  if (ex === undefined) return;
  ex.finish();
  if (ex.upgraded !== undefined) ex.upgraded.destroy();
  else if (ex.abort !== undefined) ex.abort();
  else ex.req?.destroy();
}

function onRequestError(this: ClientRequest, err: Error): void {
  const ex = (this as Carrier)[kExchange] as Exchange;
  const stream = ex.stream;
  // A pooled connection the origin closed while idle: node cannot know before writing. Retry a
  // bodiless request once on a new connection, as Go's transport (cloudflared) does.
  if (
    !ex.answered &&
    !ex.retried &&
    this.reusedSocket &&
    ex.head.e === 1 &&
    (err as NodeJS.ErrnoException).code === 'ECONNRESET' &&
    !stream.closed
  ) {
    ex.retried = true;
    send(ex, ex.pool, undefined);
    return;
  }
  failExchange(ex, err);
}

function failExchange(ex: Exchange, err: Error): void {
  const stream = ex.stream;
  ex.finish();
  if (ex.answered) {
    ex.proxy.logger?.warn(
      { rayId: headerValue(ex.head.h, 'cf-ray'), originService: ex.route.label, code: 'WARREN_ORIGIN_ERROR' },
      `the origin connection failed mid-response: ${describe(err)}`,
    );
    stream.reset('WARREN_ORIGIN_ERROR', 'the origin connection failed mid-response');
    return;
  }
  const code = originErrorCode(err);
  ex.proxy.metrics?.requestErrors.inc({ code });
  const message = `${describe(err)} (origin ${ex.route.label})`;
  ex.proxy.logger?.error(
    { rayId: headerValue(ex.head.h, 'cf-ray'), originService: ex.route.label, code, rule: ex.route.rule.index + 1 },
    message,
  );
  stream.reset(code, message);
}

function onResponse(this: ClientRequest, res: IncomingMessage): void {
  const ex = (this as Carrier)[kExchange] as Exchange;
  ex.answered = true;
  const stream = ex.stream;
  const status = res.statusCode ?? 502;
  ex.proxy.metrics?.responded(status, ex.started);
  const head = ex.head;
  const empty =
    head.m === 'HEAD' || NO_BODY_STATUS.has(status) || (res.headers['content-length'] === '0' && head.u !== 1);
  (res as Carrier)[kExchange] = ex;
  res.once('close', onResponseClose);
  if (empty) {
    stream.respond({ s: status, h: res.rawHeaders, e: 1 });
    res.resume();
  } else {
    stream.respond({ s: status, h: res.rawHeaders });
    stream.pipeFrom(res);
  }
}

function onResponseClose(this: IncomingMessage): void {
  (this as Carrier)[kExchange]?.finish();
}

function onUpgrade(this: ClientRequest, res: IncomingMessage, socket: Socket, early: Buffer): void {
  const ex = (this as Carrier)[kExchange] as Exchange;
  ex.answered = true;
  ex.upgraded = socket;
  const stream = ex.stream;
  ex.proxy.metrics?.responded(101, ex.started);
  socket.setNoDelay(true);
  stream.respond({ s: 101, h: res.rawHeaders });
  if (early.length > 0) stream.write(early);
  stream.pipeFrom(socket);
  stream.pipeTo(socket);
  (socket as Carrier)[kExchange] = ex;
  socket.on('error', onUpgradedError);
  socket.once('close', onUpgradedClose);
}

function onUpgradedError(this: Socket): void {
  (this as Carrier)[kExchange]?.stream.reset('WARREN_ORIGIN_ERROR', 'the origin closed the upgraded connection');
}

function onUpgradedClose(this: Socket): void {
  const ex = (this as Carrier)[kExchange];
  if (ex === undefined) return;
  ex.finish();
  if (!ex.stream.closed && !ex.stream.remoteEnded) {
    ex.stream.reset('WARREN_ORIGIN_ERROR', 'the origin closed the upgraded connection');
  }
}

function discard(_chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
  cb();
}

/** The first value of a header (name in lower case) in a raw header list. */
function headerValue(raw: readonly string[], lowerName: string): string | undefined {
  const len = lowerName.length;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === len && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

/** httpHostHeader: the origin sees the configured Host; the visitor's goes to X-Forwarded-Host (as cloudflared). */
function rewriteHost(raw: readonly string[], host: string): string[] {
  const out: string[] = [];
  let original: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      original ??= raw[i + 1];
      continue;
    }
    if (lower === 'x-forwarded-host') continue;
    out.push(name, raw[i + 1] as string);
  }
  out.push('Host', host);
  if (original !== undefined) out.push('X-Forwarded-Host', original);
  return out;
}

function originErrorCode(err: Error): WarrenErrorCode {
  if (err instanceof WarrenError) return err.code;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TLS_TRUST_ERRORS.has(code) || code.startsWith('ERR_SSL_') || code === 'EPROTO') return 'WARREN_ORIGIN_TLS';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'ENOENT':
    case 'EACCES':
      return 'WARREN_ORIGIN_UNREACHABLE';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'WARREN_ORIGIN_TIMEOUT';
    default:
      return 'WARREN_ORIGIN_ERROR';
  }
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused: is the origin running and listening on that port?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the origin host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the origin reset the connection';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'no connection to the origin in time (originRequest.connectTimeout)';
  if (code === 'ENOENT') return 'no unix socket at that path: is the origin running?';
  if (code === 'EACCES') return 'permission denied on the unix socket: run the connector as a user that may open it';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the origin certificate is not valid for that name (${err.message}); set originRequest.originServerName to a name in the certificate`;
  }
  if (TLS_TRUST_ERRORS.has(code)) {
    return `the origin certificate is not trusted (${err.message}); set originRequest.caPool to the PEM of the CA that signed it, or noTLSVerify: true (not recommended)`;
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    return `the TLS handshake with the origin failed (${err.message}); is it really serving https on that port?`;
  }
  return err.message;
}
