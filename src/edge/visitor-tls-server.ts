import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type SecureServerOptions,
  type ServerHttp2Session,
} from 'node:http2';
import type { Duplex } from 'node:stream';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Fields RFC 9113 §8.2.2 forbids in HTTP/2: node throws on them, so they are dropped from answers. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

type HeaderArg = Record<string, string | number | readonly string[]> | readonly string[] | undefined;

function withoutConnectionFields(h: HeaderArg): HeaderArg {
  if (h === undefined) return h;
  if (Array.isArray(h)) {
    const out: string[] = [];
    for (let i = 0; i < h.length; i += 2) {
      const name = String(h[i]);
      if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) out.push(name, String(h[i + 1]));
    }
    return out;
  }
  const out: Record<string, string | number | readonly string[]> = {};
  for (const [k, v] of Object.entries(h)) if (!CONNECTION_SPECIFIC.has(k.toLowerCase())) out[k] = v;
  return out;
}

/**
 * Makes an HTTP/2 request and response look as the edge's HTTP/1.1 handlers read them: Host from
 * `:authority`, no pseudo-header in the header lists (they would reach the origin), a request body
 * without Content-Length still counts as a body, and answers drop the reason phrase and the
 * connection-specific fields HTTP/2 has no place for. The Access gate, the limits and the framing
 * rules are the same code as for HTTP/1.1.
 */
function asHttp1(req: Http2ServerRequest, res: Http2ServerResponse): void {
  const raw: string[] = [];
  let authority: string | undefined;
  let host = false;
  const src = req.rawHeaders;
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i] as string;
    const value = src[i + 1] as string;
    if (name === ':authority') authority = value;
    else if (!name.startsWith(':')) {
      if (name === 'host') host = true;
      raw.push(name, value);
    }
  }
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':')) headers[k] = v;
  if (!host && authority !== undefined) {
    raw.unshift('host', authority);
    headers.host = authority;
  }
  // HTTP/2 frames bodies itself: a request that did not end with its headers has one.
  if (headers['content-length'] === undefined && !req.stream.endAfterHeaders) headers['transfer-encoding'] = 'chunked';
  Object.defineProperty(req, 'rawHeaders', { value: raw });
  Object.defineProperty(req, 'headers', { value: headers });
  Object.defineProperty(res, 'destroyed', { get: () => res.stream.destroyed });
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: HeaderArg) => Http2ServerResponse;
  Object.defineProperty(res, 'writeHead', {
    value: (status: number, a?: string | HeaderArg, b?: HeaderArg) =>
      writeHead(status, withoutConnectionFields(typeof a === 'string' ? b : a)),
  });
  const setHeader = res.setHeader.bind(res);
  Object.defineProperty(res, 'setHeader', {
    value: (name: string, value: string | number | readonly string[]) =>
      CONNECTION_SPECIFIC.has(name.toLowerCase()) ? res : setHeader(name, value),
  });
}

export interface VisitorTlsServerOptions {
  /** TLS options (certificate fallback, SNICallback, minVersion). */
  tls: SecureServerOptions;
  /** The HTTP/1.1 keep-alive and header limits the plain listener has. */
  http1: { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number; maxHeaderSize: number };
  request: Handler;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  clientError: (err: NodeJS.ErrnoException, socket: Duplex) => void;
}

/** The HTTPS listener and what shutting it down needs (node's http2 server tracks no connections). */
export interface VisitorTlsListener {
  server: Http2SecureServer;
  /** Stops accepting; HTTP/2 sessions get GOAWAY (streams in flight finish), idle HTTP/1.1 connections close. */
  drain(): void;
  /** Closes every connection still open. */
  destroyAll(): void;
}

/**
 * The visitor HTTPS listener: ALPN offers h2 and http/1.1 (`allowHTTP1`), so one port serves
 * both; HTTP/1.1 keeps its Upgrade (WebSockets) and its limits. HTTP/2 requests go through the
 * same handler as HTTP/1.1 ones (see asHttp1). Returns node's server; `listen`/`close` as usual.
 */
export function createVisitorTlsServer(o: VisitorTlsServerOptions): VisitorTlsListener {
  const server = createSecureServer(
    {
      ...o.tls,
      allowHTTP1: true,
      noDelay: true,
      keepAlive: true,
      // 32 KiB of header list, as the HTTP/1.1 side's maxHeaderSize (larger heads are refused).
      maxHeaderListPairs: 256,
      settings: { maxHeaderListSize: o.http1.maxHeaderSize, maxConcurrentStreams: 128 },
    },
    (req, res) => {
      if (req.httpVersionMajor === 2) {
        asHttp1(req, res);
      }
      o.request(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    },
  );
  // The HTTP/1.1 fallback reads these from the server object, as node's http.Server does.
  Object.assign(server, o.http1);
  server.on('upgrade', o.upgrade);
  server.on('clientError', o.clientError);
  const sockets = new Set<Duplex>();
  const sessions = new Set<ServerHttp2Session>();
  server.on('secureConnection', (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    server,
    drain() {
      server.close();
      // node tracks the HTTP/1.1 fallback's connections (allowHTTP1) but its types do not say so.
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      for (const s of sessions) s.close();
    },
    destroyAll() {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
    },
  };
}
