import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { pino } from 'pino';
import type { OriginProxy } from '../src/connector/index.js';
import { TunnelRegistry, VisitorProxy } from '../src/edge/index.js';
import { DEFAULT_INITIAL_WINDOW, MuxConnection } from '../src/protocol/index.js';

/**
 * A real edge visitor listener (VisitorProxy) on loopback, linked by a real mux connection
 * to an OriginProxy: tests speak plain HTTP (and WebSocket) to `url` with any Host header.
 */
export interface ProxyHarness {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startProxyHarness(proxy: OriginProxy): Promise<ProxyHarness> {
  const tcp = createNetServer();
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const accepted = once(tcp, 'connection') as Promise<[Socket]>;
  const client = connect((tcp.address() as AddressInfo).port, '127.0.0.1');
  const [serverSide] = await accepted;
  await once(client, 'connect');
  const opts = { initialWindow: DEFAULT_INITIAL_WINDOW, heartbeatMs: 60_000, heartbeatTimeoutMs: 180_000 };
  const edgeConn = new MuxConnection(client, { role: 'edge', ...opts });
  const connectorConn = new MuxConnection(serverSide, { role: 'connector', ...opts });
  connectorConn.onStream = (stream, head) => proxy.handle(stream, head);
  const registry = new TunnelRegistry();
  registry.add({
    conn: edgeConn,
    connectionId: 'c1',
    tunnelId: 't1',
    accountId: undefined,
    connector: { connectorId: 'k1', connIndex: 0, version: 'test', arch: 'x', os: 'y' },
    originIp: '127.0.0.1',
    connectedAt: new Date(),
    hostname: undefined,
    draining: false,
  });
  const visitor = new VisitorProxy({
    edgeName: 'test',
    registry,
    router: { resolve: () => 't1' },
    scheme: 'http',
    originResponseTimeoutMs: 30_000,
    logger: pino({ level: 'silent' }),
  });
  const server: Server = createServer(visitor.handleRequest);
  server.on('upgrade', visitor.handleUpgrade);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      server.close();
      edgeConn.destroy();
      connectorConn.destroy();
      tcp.close();
      await once(server, 'close');
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request through the harness with a given Host; resolves with the whole response. */
export function visit(
  h: ProxyHarness,
  path: string,
  o: {
    host?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: string[];
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        path,
        method: o.method ?? (o.body !== undefined || o.chunks !== undefined ? 'POST' : 'GET'),
        headers: { host: o.host ?? 'app.example.com', accept: 'application/json', ...o.headers },
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (o.chunks !== undefined) {
      for (const c of o.chunks) req.write(c);
      req.end();
    } else {
      req.end(o.body);
    }
  });
}
