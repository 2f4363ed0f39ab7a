import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import { headerValue, type IngressRule, requestHost } from './ingress/index.js';
import { respondText } from './local-answer.js';
import { describeOriginError, originErrorCode } from './origin-error.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';
import type { OriginPool } from './origin-pool.js';
import type { BodySource, OriginRequest, OriginUpgradeHandler } from './origin-request.js';

/** With `disableChunkedEncoding`, request bodies of unknown length are buffered up to this size. */
export const MAX_UNCHUNKED_BODY = 64 * 1024 * 1024; // 64 MiB

const NO_BODY_STATUS = new Set([204, 304]);

/** How one rule talks to its http origin, read once per (re)load so requests only read fields. */
export interface HttpOriginSettings {
  readonly rule: IngressRule;
  /** For messages: the origin as configured. */
  readonly label: string;
  readonly hostHeader: string | undefined;
  readonly matchSNItoHost: boolean;
  readonly disableChunked: boolean;
}

/** http://, https://, unix: and unix+tls: services (and the built-in hello_world): requests go through the pool. */
export class HttpOrigin implements OriginHandler {
  readonly pool: OriginPool;
  readonly settings: HttpOriginSettings;
  readonly context: OriginContext;

  constructor(pool: OriginPool, settings: HttpOriginSettings, context: OriginContext) {
    this.pool = pool;
    this.settings = settings;
    this.context = context;
  }

  static settingsOf(rule: IngressRule, label: string): HttpOriginSettings {
    const o = rule.originRequest;
    return {
      rule,
      label,
      hostHeader: o.httpHostHeader,
      matchSNItoHost: o.matchSNItoHost && o.originServerName === undefined,
      disableChunked: o.disableChunkedEncoding,
    };
  }

  serve(stream: MuxStream, head: RequestHead): void {
    this.context.metrics?.requestStarted(true);
    const s = this.settings;
    const headers = s.hostHeader === undefined ? head.headers : rewriteHost(head.headers, s.hostHeader);
    let servername: string | undefined;
    if (s.matchSNItoHost && this.pool.endpoint.tls) {
      const host = requestHost(head.headers);
      if (host !== '' && !host.startsWith('[')) servername = host;
    }
    const ex = new Exchange(this, stream, head, headers, servername);
    (stream as Carrier)[kExchange] = ex;
    stream.onReset = onStreamReset;
    if (head.upgrade === true) {
      this.pool.upgrade(ex, ex);
      return;
    }
    if (s.disableChunked && head.endOfStream !== true && headerValue(headers, 'content-length') === undefined) {
      bufferBody(ex);
      return;
    }
    this.pool.dispatch(ex, ex);
  }
}

// The stream's reset handler is one shared function that finds its exchange on the stream, so a
// request allocates one Exchange instead of a closure.
const kExchange = Symbol('warren.exchange');
interface Carrier {
  [kExchange]?: Exchange;
}

/** One request on its way to an origin: the pool's request and the handler of its answer. */
class Exchange implements OriginRequest, OriginUpgradeHandler {
  readonly origin: HttpOrigin;
  readonly stream: MuxStream;
  readonly head: RequestHead;
  readonly started: number;
  readonly method: string;
  readonly path: string;
  readonly headers: string[];
  body: Buffer | BodySource | null;
  readonly servername: string | undefined;
  /** Cancels the request while it runs on the pool. */
  abort: ((err?: Error) => void) | undefined;
  upgraded: Socket | undefined;
  answered = false;
  done = false;
  #empty = false;

  constructor(
    origin: HttpOrigin,
    stream: MuxStream,
    head: RequestHead,
    headers: string[],
    servername: string | undefined,
  ) {
    this.origin = origin;
    this.stream = stream;
    this.head = head;
    this.method = head.method;
    this.path = head.path;
    this.headers = headers;
    // Upgrades send their body after the 101, over the handed-over socket.
    this.body = head.endOfStream === true || head.upgrade === true ? null : stream;
    this.servername = servername;
    this.started = performance.now();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.origin.context.metrics?.requestFinished();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.stream.closed) abort();
  }

  onHeaders(status: number, headers: string[], resume: () => void): void {
    this.answered = true;
    const stream = this.stream;
    this.origin.context.metrics?.responded(status, this.started);
    if (
      this.head.method === 'HEAD' ||
      NO_BODY_STATUS.has(status) ||
      (this.head.upgrade !== true && zeroLength(headers))
    ) {
      this.#empty = true;
      stream.respond({ status: status, headers: headers, endOfStream: true });
      return;
    }
    stream.respond({ status: status, headers: headers });
    stream.whenWritable(resume);
  }

  onData(chunk: Buffer): boolean {
    if (this.#empty) return true;
    return this.stream.write(chunk);
  }

  onComplete(): void {
    this.abort = undefined;
    if (!this.#empty) this.stream.end();
    this.finish();
  }

  onError(err: Error): void {
    this.abort = undefined;
    if (this.stream.closed) {
      this.finish();
      return;
    }
    failExchange(this, err);
  }

  onUpgrade(headers: string[], socket: Socket, early: Buffer): void {
    this.answered = true;
    this.abort = undefined;
    this.upgraded = socket;
    const stream = this.stream;
    this.origin.context.metrics?.responded(101, this.started);
    socket.setNoDelay(true);
    stream.respond({ status: 101, headers: headers });
    if (early.length > 0) stream.write(early);
    stream.pipeFrom(socket);
    stream.pipeTo(socket);
    (socket as Carrier)[kExchange] = this;
    socket.on('error', onUpgradedError);
    socket.once('close', onUpgradedClose);
  }
}

function zeroLength(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 14 && headers[i + 1] === '0' && name.toLowerCase() === 'content-length') return true;
  }
  return false;
}

function bufferBody(ex: Exchange): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > MAX_UNCHUNKED_BODY) {
        cb();
        sink.destroy();
        ex.finish();
        ex.origin.context.metrics?.responded(413);
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
      if (ex.stream.closed) return;
      ex.body = Buffer.concat(chunks, size);
      ex.origin.pool.dispatch(ex, ex);
    },
  });
  ex.stream.pipeTo(sink);
}

function onStreamReset(this: MuxStream): void {
  const ex = (this as Carrier)[kExchange];
  if (ex === undefined) return;
  ex.finish();
  if (ex.upgraded !== undefined) ex.upgraded.destroy();
  else ex.abort?.();
}

function failExchange(ex: Exchange, err: Error): void {
  const stream = ex.stream;
  const { logger, metrics } = ex.origin.context;
  const s = ex.origin.settings;
  ex.finish();
  if (ex.answered) {
    logger?.warn(
      { rayId: headerValue(ex.head.headers, 'cf-ray'), originService: s.label, code: 'WARREN_ORIGIN_ERROR' },
      `the origin connection failed mid-response: ${describeOriginError(err)}`,
    );
    stream.reset('WARREN_ORIGIN_ERROR', 'the origin connection failed mid-response');
    return;
  }
  const code = originErrorCode(err);
  metrics?.requestErrors.inc({ code });
  const message = `${describeOriginError(err)} (origin ${s.label})`;
  logger?.error(
    { rayId: headerValue(ex.head.headers, 'cf-ray'), originService: s.label, code, rule: s.rule.index + 1 },
    message,
  );
  stream.reset(code, message);
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
