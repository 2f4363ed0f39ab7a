import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import { WarrenError, type WarrenErrorCode } from '../errors/index.js';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';

export interface OriginOptions {
  /** http://host:port of the origin. */
  url: URL;
  connectTimeoutMs: number;
  keepAliveConnections: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000; // 30 seconds, as cloudflared
export const DEFAULT_KEEPALIVE_CONNECTIONS = 100;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 90_000; // 90 seconds, as cloudflared

const NO_BODY_STATUS = new Set([204, 304]);

/** Serves streams by making the request against one HTTP origin (keep-alive pool), with backpressure both ways. */
export class OriginProxy {
  readonly #host: string;
  readonly #port: number;
  readonly #agent: Agent;
  readonly #o: OriginOptions;
  readonly #metrics: ConnectorMetrics | undefined;

  constructor(options: OriginOptions, metrics?: ConnectorMetrics) {
    if (options.url.protocol !== 'http:') {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `--url ${options.url.href}: only http:// origins are supported here; use http://host:port`,
      );
    }
    this.#o = options;
    this.#metrics = metrics;
    this.#host = options.url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(options.url.port || 80);
    this.#agent = new Agent({
      keepAlive: true,
      maxFreeSockets: options.keepAliveConnections,
      timeout: options.keepAliveTimeoutMs,
      scheduling: 'lifo',
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  handle(stream: MuxStream, head: RequestHead): void {
    const metrics = this.#metrics;
    const started = performance.now();
    metrics?.requests.inc();
    metrics?.concurrent.inc();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      metrics?.concurrent.dec();
    };
    const upgrade = head.u === 1;
    const req = request({
      host: this.#host,
      port: this.#port,
      method: head.m,
      path: head.p,
      headers: head.h,
      agent: upgrade ? false : this.#agent,
    });
    let answered = false;
    const connectTimeoutMs = this.#o.connectTimeoutMs;
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const t = setTimeout(() => {
        req.destroy(
          new WarrenError('WARREN_ORIGIN_TIMEOUT', `no TCP connection to the origin within ${connectTimeoutMs} ms`),
        );
      }, connectTimeoutMs);
      socket.once('connect', () => clearTimeout(t));
      socket.once('close', () => clearTimeout(t));
    });
    req.on('error', (err: Error) => {
      finish();
      if (answered) {
        stream.reset('WARREN_ORIGIN_ERROR', 'the origin connection failed mid-response');
        return;
      }
      const code = originErrorCode(err);
      metrics?.requestErrors.inc({ code });
      stream.reset(code, `${describe(err)} (origin ${this.#o.url.host})`);
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const status = res.statusCode ?? 502;
      metrics?.responses.inc({ status_code: status });
      metrics?.latency.observe((performance.now() - started) / 1000);
      const empty =
        head.m === 'HEAD' || NO_BODY_STATUS.has(status) || (res.headers['content-length'] === '0' && !upgrade);
      if (empty) {
        stream.respond({ s: status, h: res.rawHeaders, e: 1 });
        res.resume();
      } else {
        stream.respond({ s: status, h: res.rawHeaders });
        stream.pipeFrom(res);
      }
      res.once('close', finish);
    });
    if (upgrade) {
      req.on('upgrade', (res: IncomingMessage, socket: Socket, early: Buffer) => {
        answered = true;
        metrics?.responses.inc({ status_code: 101 });
        socket.setNoDelay(true);
        stream.respond({ s: 101, h: res.rawHeaders });
        if (early.length > 0) stream.write(early);
        stream.pipeFrom(socket);
        stream.pipeTo(socket);
        stream.onReset = () => socket.destroy();
        socket.on('error', () => stream.reset('WARREN_ORIGIN_ERROR', 'the origin closed the upgraded connection'));
        socket.once('close', () => {
          finish();
          if (!stream.closed && !stream.remoteEnded)
            stream.reset('WARREN_ORIGIN_ERROR', 'the origin closed the upgraded connection');
        });
      });
      req.end();
    } else {
      stream.pipeTo(req as ClientRequest);
    }
    stream.onReset ??= () => {
      finish();
      req.destroy();
    };
  }
}

function originErrorCode(err: Error): WarrenErrorCode {
  if (err instanceof WarrenError) return err.code;
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return 'WARREN_ORIGIN_UNREACHABLE';
    case 'ETIMEDOUT':
      return 'WARREN_ORIGIN_TIMEOUT';
    default:
      return 'WARREN_ORIGIN_ERROR';
  }
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused: is the origin running and listening on that port?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the origin host name does not resolve';
  if (code === 'ECONNRESET') return 'the origin reset the connection';
  return err.message;
}
