import { createHash } from 'node:crypto';
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { rootCertificates, type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import { parserUnavailable } from '../protocol/index.js';
import type { IngressRule } from './ingress/index.js';
import { armTimeouts, type ConnectFn, type OriginEndpoint, pathOrHost } from './origin-connect.js';
import { isIdleConnectionFailure } from './origin-error.js';
import { type OriginHttpCall, OriginHttpPool } from './origin-http/origin-http-pool.js';
import { requestHeadOf } from './origin-http/origin-request-head.js';
import type { OriginRequest, OriginResponseHandler, OriginUpgradeHandler } from './origin-request.js';

export type { OriginEndpoint } from './origin-connect.js';

/**
 * Keep-alive connections to one origin (cloudflared keeps one http.Transport per origin):
 * named connect and TLS timeouts armed once per new connection, not per request.
 */
export class OriginPool {
  readonly key: string;
  readonly endpoint: OriginEndpoint;
  readonly #agent: HttpAgent;
  /** For upgrades, which never return to the pool: a fresh connection with the same timeouts and TLS. */
  readonly #connect: ConnectFn;
  /**
   * Plain-http origins (TCP or unix socket): ordinary requests go out on keep-alive connections with
   * node's own parser (origin-http/), the connector's hot path; upgrades, https origins, Expect and
   * bodies of unknown length still go through node's client (`#agent`).
   */
  readonly #fast: OriginHttpPool | undefined;
  /** Sends a call (again): made once, so a request allocates no closure for its retry. */
  readonly #send = (call: PoolCall): void => this.#start(call);

  /** `extraCa`: PEM trusted for https origins besides the system roots and the rule's caPool (warren's origin CA root). */
  constructor(endpoint: OriginEndpoint, rule: IngressRule, extraCa?: string) {
    const o = rule.originRequest;
    this.endpoint = endpoint;
    this.key = OriginPool.keyOf(endpoint, rule);
    const connectMs = o.connectTimeoutMs;
    const tlsMs = o.tlsTimeoutMs;
    const pooled = o.keepAliveConnections > 0;
    const common = {
      keepAlive: pooled,
      // node reads 0 as "default" (256), so "no idle connections" is keepAlive: false above.
      maxFreeSockets: Math.max(1, o.keepAliveConnections),
      timeout: o.keepAliveTimeoutMs,
      scheduling: 'lifo' as const,
      keepAliveMsecs: o.tcpKeepAliveMs,
      ...(o.tcpKeepAliveMs > 0 ? { keepAliveInitialDelay: o.tcpKeepAliveMs } : {}),
    };
    if (endpoint.tls) {
      const tlsOptions: TlsConnectionOptions = {
        rejectUnauthorized: !o.noTLSVerify,
        // caPool adds to the system roots, as cloudflared does.
        ...(rule.caPem !== undefined || extraCa !== undefined
          ? { ca: [...rootCertificates, ...[rule.caPem, extraCa].filter((c): c is string => c !== undefined)] }
          : {}),
        ...(o.originServerName !== undefined ? { servername: o.originServerName } : {}),
        // Presented only when the origin asks for one (mTLS).
        ...(rule.clientCert !== undefined ? { cert: rule.clientCert.cert, key: rule.clientCert.key } : {}),
      };
      this.#fast = undefined;
      const agent = new HttpsAgent({ ...common, ...tlsOptions });
      const base = agent.createConnection.bind(agent) as ConnectFn;
      agent.createConnection = (options, cb) => armTimeouts(base(options, cb) as Socket, connectMs, tlsMs, true);
      this.#agent = agent;
      this.#connect = (options) =>
        armTimeouts(
          // Fresh options: the request's own `path` is its URL path, which tls.connect would take for a socket path.
          tlsConnect({ ...pathOrHost(endpoint, options), ...tlsOptions }),
          connectMs,
          tlsMs,
          true,
        );
    } else {
      this.#fast =
        pooled && parserUnavailable === undefined
          ? new OriginHttpPool({
              host: endpoint.host,
              port: endpoint.port,
              socketPath: endpoint.socketPath,
              connectTimeoutMs: connectMs,
              keepAliveTimeoutMs: o.keepAliveTimeoutMs,
              maxIdle: Math.max(1, o.keepAliveConnections),
              tcpKeepAliveMs: o.tcpKeepAliveMs,
            })
          : undefined;
      const agent = new HttpAgent(common);
      const base = agent.createConnection.bind(agent) as ConnectFn;
      agent.createConnection = (options, cb) => armTimeouts(base(options, cb) as Socket, connectMs, tlsMs, false);
      this.#agent = agent;
      this.#connect = (options) =>
        armTimeouts(
          netConnect(
            endpoint.socketPath !== undefined
              ? { path: endpoint.socketPath }
              : { host: endpoint.host, port: endpoint.port, ...(options.family ? { family: options.family } : {}) },
          ),
          connectMs,
          tlsMs,
          false,
        );
    }
  }

  /**
   * Sends one request on a pooled connection; `handler` hears the response. A bodiless request
   * whose pooled connection the origin had closed while idle goes once more on a new one.
   */
  dispatch(request: OriginRequest, handler: OriginResponseHandler): void {
    this.#start(new PoolCall(request, handler, false, this.#send));
  }

  /** Sends an upgrade request on a fresh connection (it never returns to the pool). */
  upgrade(request: OriginRequest, handler: OriginUpgradeHandler): void {
    this.#start(new PoolCall(request, handler, true, this.#send));
  }

  #start(call: PoolCall): void {
    const fast = this.#fast;
    const r = call.request;
    if (!call.upgrade && fast !== undefined) {
      const head = requestHeadOf(r, fast.defaultHost);
      if (head !== undefined) {
        fast.dispatch(call, head);
        return;
      }
    }
    const ep = this.endpoint;
    const options: RequestOptions & { servername?: string } = {
      host: ep.host,
      port: ep.port,
      method: r.method,
      path: r.path,
      headers: Buffer.isBuffer(r.body) ? [...r.headers, 'Content-Length', String(r.body.length)] : r.headers,
    };
    if (ep.socketPath !== undefined) options.socketPath = ep.socketPath;
    if (call.upgrade) {
      options.agent = false;
      options.createConnection = this.#connect;
    } else {
      options.agent = this.#agent;
    }
    if (r.servername !== undefined) options.servername = r.servername;
    const req = (ep.tls ? httpsRequest : httpRequest)(options);
    (req as Carrier)[kCall] = call;
    req.on('error', onRequestError);
    req.on('response', onResponse);
    if (call.upgrade) req.on('upgrade', onUpgrade);
    call.handler.onConnect((err) => {
      call.aborted = true;
      req.destroy(err);
    });
    if (call.upgrade || r.body === null) req.end();
    else if (Buffer.isBuffer(r.body)) req.end(r.body);
    else r.body.pipeTo(req);
  }

  /** Rules whose connections can be shared map to the same key. */
  static keyOf(endpoint: OriginEndpoint, rule: IngressRule): string {
    const o = rule.originRequest;
    const ca = rule.caPem === undefined ? '' : createHash('sha256').update(rule.caPem).digest('base64');
    // Rules with different client certificates never share a connection (the origin saw one identity on it).
    const cc = rule.clientCert;
    const client =
      cc === undefined ? '' : createHash('sha256').update(cc.cert).update('\0').update(cc.key).digest('base64');
    return [
      endpoint.tls ? 'https' : 'http',
      endpoint.socketPath ?? `${endpoint.host}:${endpoint.port}`,
      o.connectTimeoutMs,
      o.tlsTimeoutMs,
      o.tcpKeepAliveMs,
      o.keepAliveConnections,
      o.keepAliveTimeoutMs,
      o.originServerName ?? '',
      o.noTLSVerify,
      ca,
      client,
    ].join('|');
  }

  /**
   * Stops pooling (after a reload dropped the rules using it): idle connections close now,
   * requests in flight finish on theirs, which then close instead of returning to the pool.
   */
  retire(): void {
    (this.#agent as unknown as { keepAlive: boolean }).keepAlive = false;
    for (const list of Object.values(this.#agent.freeSockets)) for (const s of list ?? []) s.destroy();
    // close() lets requests in flight finish, then closes the connections.
    this.#fast?.retire();
  }

  destroy(): void {
    this.#agent.destroy();
    this.#fast?.destroy();
  }
}

// node's request and response events go to shared module-level functions that find their call
// on the emitter, so a request allocates one PoolCall instead of a closure per event.
const kCall = Symbol('warren.poolCall');
interface Carrier {
  [kCall]?: PoolCall;
}

/** One request on its way through the pool: the fast client's handler, and the state node's events share. */
class PoolCall implements OriginHttpCall {
  readonly request: OriginRequest;
  readonly handler: OriginResponseHandler;
  readonly upgrade: boolean;
  readonly #send: (call: PoolCall) => void;
  answered = false;
  retried = false;
  aborted = false;
  settled = false;

  constructor(
    request: OriginRequest,
    handler: OriginResponseHandler,
    upgrade: boolean,
    send: (call: PoolCall) => void,
  ) {
    this.request = request;
    this.handler = handler;
    this.upgrade = upgrade;
    this.#send = send;
  }

  /** The one place a failed request is retried (both clients report here). */
  fail(err: Error, reused: boolean): void {
    if (this.settled) return;
    if (
      !this.answered &&
      !this.retried &&
      !this.aborted &&
      this.request.body === null &&
      isIdleConnectionFailure(err, reused)
    ) {
      this.retried = true;
      this.#send(this);
      return;
    }
    this.settled = true;
    this.handler.onError(err);
  }

  complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.handler.onComplete();
  }

  // ---- the fast client (plain-http origins) ----

  onConnect(abort: (err?: Error) => void): void {
    this.handler.onConnect(abort);
  }

  onHeaders(status: number, headers: string[], resume: () => void): void {
    this.answered = true;
    this.handler.onHeaders(status, headers, resume);
  }

  onData(chunk: Buffer): boolean {
    return this.handler.onData(chunk);
  }

  onComplete(): void {
    this.complete();
  }

  onError(err: Error, reused: boolean): void {
    this.fail(err, reused);
  }
}

// ---- node's client (https origins, upgrades, requests the fast client leaves to it) ----

function onRequestError(this: ClientRequest, err: Error): void {
  (this as Carrier)[kCall]?.fail(err, this.reusedSocket);
}

function onResponse(this: ClientRequest, res: IncomingMessage): void {
  const call = (this as Carrier)[kCall] as PoolCall;
  call.answered = true;
  (res as Carrier)[kCall] = call;
  res.on('data', onResponseData);
  res.once('end', onResponseEnd);
  res.once('error', onResponseError);
  res.once('close', onResponseClose);
  call.handler.onHeaders(res.statusCode ?? 502, res.rawHeaders, () => res.resume());
}

function onResponseData(this: IncomingMessage, chunk: Buffer): void {
  const call = (this as Carrier)[kCall] as PoolCall;
  if (!call.handler.onData(chunk)) this.pause();
}

function onResponseEnd(this: IncomingMessage): void {
  (this as Carrier)[kCall]?.complete();
}

function onResponseError(this: IncomingMessage, err: Error): void {
  (this as Carrier)[kCall]?.fail(err, false);
}

function onResponseClose(this: IncomingMessage): void {
  (this as Carrier)[kCall]?.fail(
    Object.assign(new Error('the origin closed the response early'), { code: 'ECONNRESET' }),
    false,
  );
}

function onUpgrade(this: ClientRequest, res: IncomingMessage, socket: Socket, early: Buffer): void {
  const call = (this as Carrier)[kCall] as PoolCall;
  call.answered = true;
  call.settled = true;
  (call.handler as OriginUpgradeHandler).onUpgrade(res.rawHeaders, socket, early);
}
