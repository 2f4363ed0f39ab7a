/**
 * The origin every row proxies to, in its own process: `node dist/bench/origin.js [port]`.
 *   GET /                 13-byte body "Hello, world\n" (keep-alive)
 *   GET /page             10 KiB HTML with a browser-like response head (the realistic row, bench/lib/page.ts)
 *   GET /bytes?n=N        N bytes, streamed with backpressure (Content-Length set)
 *   POST /upload          consumes the body, answers with the byte count
 *   WebSocket /ws         echoes every message
 * Prints `origin listening 127.0.0.1:PORT` when ready.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { PAGE_PATH, pageBody } from './lib/page.js';

const HELLO = Buffer.from('Hello, world\n');
const CHUNK = Buffer.alloc(256 * 1024, 'x');
const PAGE = pageBody();
const PAGE_HEAD = {
  'content-type': 'text/html; charset=utf-8',
  'content-length': String(PAGE.length),
  'cache-control': 'private, max-age=0',
  'last-modified': 'Mon, 07 Dec 2026 00:00:00 GMT',
  vary: 'Accept-Encoding',
  'x-content-type-options': 'nosniff',
};
const MAX_BYTES = 4 * 1024 * 1024 * 1024;

function sendBytes(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const more = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '13' });
    res.end(HELLO);
    return;
  }
  if (req.method === 'GET' && url === PAGE_PATH) {
    res.writeHead(200, PAGE_HEAD);
    res.end(PAGE);
    return;
  }
  if (req.method === 'GET' && url.startsWith('/bytes?n=')) {
    const n = Number(url.slice('/bytes?n='.length));
    if (!Number.isInteger(n) || n < 0 || n > MAX_BYTES) {
      res.writeHead(400).end('bad n\n');
      return;
    }
    sendBytes(res, n);
    return;
  }
  if (req.method === 'POST' && url === '/upload') {
    let count = 0;
    req.on('data', (c: Buffer) => {
      count += c.length;
    });
    req.on('end', () => {
      const body = `${count}\n`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 130_000 }, handle);
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`origin listening 127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = (): void => {
  for (const ws of wss.clients) ws.terminate();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
