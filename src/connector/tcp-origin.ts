import { connect, type Socket } from 'node:net';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import { bastionAllows, headerValue, type IngressRule } from './ingress/index.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';
import { acceptSession, sessionKeyOf } from './tcp/accept-session.js';
import { proxyProtocolHeader } from './tcp/proxy-protocol.js';
import { WsDecoder, WsEncoder } from './tcp/ws-frames.js';

/** Default ports of the TCP schemes (cloudflared's). */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'ssh:': 22, 'rdp:': 3389, 'smb:': 445 };
const CONNECT_TIMEOUT_MS = 30_000; // 30 seconds, cloudflared's connectTimeout default

/**
 * tcp://, ssh://, rdp://, smb:// services (cloudflared's `tcpOverWSService`): a client
 * (`warren access tcp|ssh|rdp|smb`, or cloudflared's) opens a WebSocket on the app's hostname;
 * the connector ends the WebSocket and carries the payload bytes to a plain TCP connection to
 * the origin. Backpressure is the stream's credit window on one side and the socket's buffer
 * on the other, through node's pipes; each side's end is passed on as a half-close.
 */
export class TcpOrigin implements OriginHandler {
  readonly #rule: IngressRule;
  readonly #label: string;
  readonly #context: OriginContext;
  readonly #host: string;
  readonly #port: number;

  constructor(rule: IngressRule, label: string, context: OriginContext, url: URL) {
    this.#rule = rule;
    this.#label = label;
    this.#context = context;
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || DEFAULT_PORTS[url.protocol] || 0);
  }

  serve(stream: MuxStream, head: RequestHead): void {
    const { metrics, logger } = this.#context;
    const ray = headerValue(head.headers, 'cf-ray');
    const key = sessionKeyOf(stream, head, this.#context, { index: this.#rule.index, label: this.#label, kind: 'tcp' });
    if (key === undefined) return;
    let host = this.#host;
    let port = this.#port;
    const o = this.#rule.originRequest;
    if (o.bastionMode) {
      const to = this.#destination(headerValue(head.headers, 'cf-access-jump-destination'), o.bastionDestinations);
      if (typeof to === 'string') {
        metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
        logger?.warn({ rayId: ray, code: 'WARREN_ORIGIN_ERROR', rule: this.#rule.index + 1 }, to);
        // A 403 whose body is the one line `warren access tcp` prints (the header tells it so).
        stream.respond({
          status: 403,
          headers: ['content-type', 'text/plain; charset=utf-8', 'warren-tcp-refused', '1'],
        });
        stream.write(Buffer.from(`${to}\n`));
        stream.end();
        return;
      }
      host = to.host;
      port = to.port;
    }
    const socket = connect({ host, port, allowHalfOpen: true });
    socket.setNoDelay(true);
    const timer = setTimeout(
      () => socket.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    let open = false;
    stream.onReset = () => socket.destroy();
    socket.once('error', (err) => {
      clearTimeout(timer);
      const message = open
        ? `the TCP origin ${this.#label} failed: ${err.message}`
        : `cannot connect to the TCP origin ${this.#label}: ${err.message}`;
      if (!open) metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
      logger?.warn({ rayId: ray, code: 'WARREN_ORIGIN_ERROR', rule: this.#rule.index + 1 }, message);
      stream.reset('WARREN_ORIGIN_ERROR', message);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      if (stream.closed) {
        socket.destroy();
        return;
      }
      open = true;
      if (o.proxyProtocol !== undefined) {
        // The visitor as the edge saw it; its port is not carried, so 0 (the spec's "unknown" for ports).
        const ip = headerValue(head.headers, 'cf-connecting-ip');
        const source = ip === undefined ? undefined : { address: ip, port: 0 };
        const destination = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? port };
        socket.write(proxyProtocolHeader(o.proxyProtocol, source, destination));
      }
      this.#splice(stream, head, socket, key);
    });
  }

  /** The bastion's destination from `Cf-Access-Jump-Destination`, or why it is refused (one line). */
  #destination(raw: string | undefined, allowed: readonly string[]): { host: string; port: number } | string {
    if (raw === undefined || raw.trim() === '') {
      return `${this.#label} is a bastion: name the destination with \`warren access tcp --destination HOST:PORT\``;
    }
    const v = raw
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .replace(/\/$/, '');
    let url: URL | undefined;
    try {
      url = new URL(`tcp://${v}`);
    } catch {
      url = undefined;
    }
    const shown = JSON.stringify(v.slice(0, 100));
    if (url === undefined || url.port === '' || url.pathname !== '' || url.username !== '') {
      return `the bastion destination ${shown} is not HOST:PORT; pass e.g. --destination 10.0.0.5:22`;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port);
    if (!bastionAllows(allowed, host, port)) {
      return `the bastion destination ${shown} is not in this rule's bastionDestinations; ask the tunnel's owner to add it`;
    }
    return { host, port };
  }

  #splice(stream: MuxStream, head: RequestHead, socket: Socket, key: string): void {
    const { metrics } = this.#context;
    const tcp = metrics?.tcp;
    const started = acceptSession(stream, key, metrics, tcp);
    let up = 0;
    let down = 0;
    const decoder = new WsDecoder((n) => {
      up += n;
      if (tcp !== undefined) tcp.toOrigin += n;
    });
    const encoder = new WsEncoder({
      mask: false,
      count: (n) => {
        down += n;
        if (tcp !== undefined) tcp.fromOrigin += n;
      },
    });
    decoder.once('error', (err) => {
      stream.reset('WARREN_STREAM_RESET', `the client sent a bad WebSocket frame: ${err.message}`);
      socket.destroy();
    });
    // visitor → origin: the stream's bytes, unframed; its end ends our half to the origin.
    stream.pipeTo(decoder);
    decoder.pipe(socket);
    // origin → visitor: framed; the origin's FIN ends the stream's half.
    socket.pipe(encoder);
    stream.pipeFrom(encoder);
    let done = false;
    let reason: string | undefined;
    let failed = false;
    decoder.once('end', () => {
      reason ??= 'client closed';
    });
    socket.once('end', () => {
      reason ??= 'origin closed';
    });
    const finish = (): void => {
      if (done) return;
      done = true;
      if (tcp !== undefined) tcp.active--;
      this.#context.sessionClosed(head, {
        kind: 'tcp',
        rule: this.#rule.index + 1,
        toOrigin: up,
        fromOrigin: down,
        ms: Date.now() - started,
        reason: reason ?? 'closed',
        failed,
      });
    };
    stream.onReset = (r) => {
      reason = `reset: ${r.message}`;
      failed = true;
      socket.destroy();
      finish();
    };
    stream.onClose = () => {
      finish();
      if (!socket.destroyed && socket.writableFinished && socket.readableEnded) socket.destroy();
    };
    socket.once('close', (hadError) => {
      if (hadError) {
        reason = 'origin reset the connection';
        failed = true;
      }
      finish();
      if (hadError && !stream.closed)
        stream.reset('WARREN_ORIGIN_ERROR', `the TCP origin ${this.#label} reset the connection`);
    });
  }
}
