import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface TestOrigin {
  server: Server;
  url: string;
  port: number;
  /** Requests seen, newest last (method, url, headers). */
  seen: { method: string; url: string; headers: IncomingMessage['headers']; rawHeaders: string[] }[];
  /** Requests /echo answered with their whole body, newest last (body as UTF-8). */
  bodies: { url: string; body: string }[];
  /** Requests whose socket closed before the response finished (visitor cancellation reached the origin). */
  aborted: string[];
  /** Release held /sse events or /hold requests. */
  emit: (event: string) => void;
  /** Status /health answers with (200 at start): a switch for origin health check tests. */
  setHealth: (status: number) => void;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/**
 * A real HTTP + WebSocket origin on loopback with the endpoints the data-plane tests need:
 *  /echo           echoes method, headers and body as JSON
 *  /bytes/N        streams N bytes (x61) with backpressure, chunked unless ?cl=1
 *  /upload         consumes the body and answers {bytes, sha256}
 *  /sse            Server-Sent Events: one event per `emit(name)`
 *  /hold           answers only when `emit('release')` is called (or never)
 *  /status/N       answers with status N
 *  /cookies        two Set-Cookie headers and a repeated custom header
 *  /ws             WebSocket echo (text and binary); a message "close:<code>" closes with that code
 *  /health         answers with the status set by `setHealth` (200 at start)
 */
export async function startTestOrigin(): Promise<TestOrigin> {
  const seen: TestOrigin['seen'] = [];
  const bodies: TestOrigin['bodies'] = [];
  const aborted: string[] = [];
  const sse = new Set<ServerResponse>();
  const held = new Set<ServerResponse>();
  let health = 200;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    res.once('close', () => {
      if (!res.writableFinished) aborted.push(req.url ?? '');
    });
    const url = new URL(req.url ?? '/', 'http://origin');
    const path = url.pathname;
    if (path === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        const body = JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      return;
    }
    if (path.startsWith('/bytes/')) {
      let left = Number(path.slice(7));
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
      if (url.searchParams.get('cl') === '1') headers['content-length'] = left;
      res.writeHead(200, headers);
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (path === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
      return;
    }
    if (path === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': open\n\n');
      sse.add(res);
      res.once('close', () => sse.delete(res));
      return;
    }
    if (path === '/hold') {
      held.add(res);
      req.resume();
      return;
    }
    if (path.startsWith('/status/')) {
      res.writeHead(Number(path.slice(8)), { 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : 'status body\n');
      return;
    }
    if (path === '/health') {
      res.writeHead(health, { 'content-type': 'text/plain' });
      res.end(health < 400 ? 'ok\n' : 'unhealthy\n');
      return;
    }
    if (path === '/cookies') {
      res.writeHead(200, [
        'Set-Cookie',
        'a=1; Path=/',
        'Set-Cookie',
        'b=2; HttpOnly',
        'X-Multi',
        'one',
        'X-Multi',
        'two',
        'Content-Type',
        'text/plain',
      ]);
      res.end('cookies');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello, world\n');
  });
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const text = data.toString();
        const m = /^close:(\d+)$/.exec(text);
        if (m !== null) {
          ws.close(Number(m[1]), 'bye from origin');
          return;
        }
      }
      ws.send(data, { binary: isBinary });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    bodies,
    aborted,
    emit(event) {
      if (event === 'release') {
        for (const r of held) {
          r.writeHead(200, { 'content-type': 'text/plain' });
          r.end('released\n');
        }
        held.clear();
        return;
      }
      for (const r of sse) r.write(`event: ${event}\ndata: ${event}\n\n`);
    },
    setHealth(status) {
      health = status;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      server.close();
    },
  };
}
