import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { parseDurationMs } from './config/index.js';

/** Default interval between `/sse` events. */
export const DEFAULT_SSE_INTERVAL_MS = 1_000; // 1 second
/** Shortest `/sse?freq=` accepted, so one visitor cannot make the connector spin. */
const MIN_SSE_INTERVAL_MS = 10; // 10 milliseconds

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/**
 * The `hello_world` service: a small origin built into the connector (as cloudflared's), on a
 * loopback port of its own, to check a tunnel end to end before any app exists.
 * `/` a page echoing the request, `/ws` a WebSocket echo, `/sse` Server-Sent Events
 * (`?freq=500ms`), `/_health` 200.
 */
export class HelloWorldOrigin {
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #starting: Promise<number> | undefined;

  constructor() {
    this.#server = createServer((req, res) => this.#serve(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(req, socket, head),
    );
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }

  /** The loopback port, 0 until started. */
  get port(): number {
    return this.#port;
  }

  /** Listens on 127.0.0.1 (once; later calls return the same port). */
  start(): Promise<number> {
    this.#starting ??= (async () => {
      this.#server.listen(0, '127.0.0.1');
      await once(this.#server, 'listening');
      this.#port = (this.#server.address() as AddressInfo).port;
      return this.#port;
    })();
    return this.#starting;
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    for (const s of this.#sockets) s.destroy();
    if (this.#server.listening) {
      this.#server.close();
      await once(this.#server, 'close');
    }
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://hello.invalid');
    switch (url.pathname) {
      case '/':
        this.#page(req, res);
        return;
      case '/_health':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('OK\n');
        return;
      case '/sse':
        this.#sse(url, req, res);
        return;
      case '/ws':
        res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
        res.end('/ws is a WebSocket echo: connect with a WebSocket client\n');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found: try /, /ws, /sse or /_health\n');
    }
  }

  #page(req: IncomingMessage, res: ServerResponse): void {
    let rows = '';
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      rows += `<tr><th>${escapeHtml(req.rawHeaders[i] as string)}</th><td>${escapeHtml(req.rawHeaders[i + 1] as string)}</td></tr>\n`;
    }
    const body = `<!doctype html>
<html><head><meta charset="utf-8"><title>warren: hello world</title></head>
<body>
<h1>Congrats! Your tunnel works.</h1>
<p>This page is served by the connector's built-in <code>hello_world</code> service.
Point the rule's <code>service</code> at your app (e.g. <code>http://localhost:8080</code>) when it is ready.</p>
<p>${escapeHtml(req.method ?? 'GET')} ${escapeHtml(req.url ?? '/')} — try <a href="/sse">/sse</a>, <code>/ws</code> (WebSocket echo) and <a href="/_health">/_health</a>.</p>
<table>
${rows}</table>
</body></html>
`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  #sse(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const freq = url.searchParams.get('freq');
    const parsed = freq === null ? DEFAULT_SSE_INTERVAL_MS : parseDurationMs(freq, { bareNumberIsSeconds: false });
    if (parsed === undefined || parsed < MIN_SSE_INTERVAL_MS) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`freq must be a duration of at least ${MIN_SSE_INTERVAL_MS}ms, e.g. ?freq=500ms\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let n = 0;
    const send = (): void => {
      res.write(`id: ${n}\ndata: ${n}\n\n`);
      n++;
    };
    send();
    const timer = setInterval(send, parsed);
    req.socket.once('close', () => clearInterval(timer));
    res.once('close', () => clearInterval(timer));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', () => ws.terminate());
    });
  }
}
