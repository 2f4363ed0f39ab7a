import { once } from 'node:events';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { OriginProxy } from '../../src/connector/index.js';
import { DEFAULT_INITIAL_WINDOW, MuxConnection } from '../../src/protocol/index.js';

export interface StreamReply {
  status: number;
  headers: string[];
  body: string;
}

/**
 * The edge's side of a real mux link (TCP loopback) to an OriginProxy, driven by hand: tests send
 * request heads the way the edge forwards them (with an edge-added `Cf-Access-Jwt-Assertion`,
 * which the visitor listener would strip from a visitor's request).
 */
export interface EdgeStreamHarness {
  request(path: string, headers: Record<string, string>): Promise<StreamReply>;
  close(): void;
}

export async function startEdgeStreamHarness(proxy: OriginProxy): Promise<EdgeStreamHarness> {
  const tcp = createNetServer();
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const accepted = once(tcp, 'connection') as Promise<[Socket]>;
  const client = connect((tcp.address() as AddressInfo).port, '127.0.0.1');
  const [serverSide] = await accepted;
  await once(client, 'connect');
  const opts = { initialWindow: DEFAULT_INITIAL_WINDOW, heartbeatMs: 60_000, heartbeatTimeoutMs: 180_000 };
  const edge = new MuxConnection(client, { role: 'edge', ...opts });
  const connector = new MuxConnection(serverSide, { role: 'connector', ...opts });
  connector.onStream = (stream, head) => proxy.handle(stream, head);
  return {
    request(path, headers) {
      const h: string[] = [];
      for (const [k, v] of Object.entries({ host: 'app.example.com', ...headers })) h.push(k, v);
      const stream = edge.openStream({ method: 'GET', path, headers: h, endOfStream: true });
      return new Promise((resolve, reject) => {
        stream.onReset = (r) => reject(new Error(`stream reset: ${r.code} ${r.message}`));
        stream.onResponse = (rh) => {
          const parts: Buffer[] = [];
          const sink = new Writable({
            write(chunk: Buffer, _enc, cb) {
              parts.push(chunk);
              cb();
            },
            final(cb) {
              resolve({ status: rh.status, headers: rh.headers, body: Buffer.concat(parts).toString('utf8') });
              cb();
            },
          });
          stream.pipeTo(sink);
        };
      });
    },
    close() {
      edge.destroy();
      connector.destroy();
      tcp.close();
    },
  };
}
