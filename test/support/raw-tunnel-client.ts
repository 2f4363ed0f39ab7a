import { once } from 'node:events';
import { after } from 'node:test';
import tls from 'node:tls';
import pino from 'pino';
import { EdgeServer, type LinkStallTimes, QuickTunnelAuthority, type TunnelPortLimits } from '../../src/edge/index.js';
import { loadOrCreateEdgeTls } from '../../src/pki/index.js';
import {
  encodeJson,
  FrameType,
  MuxConnection,
  PROTOCOL_VERSION,
  parseRegisterFailure,
  parseRegistration,
  parseServerHello,
  proveSecret,
  type RegisterAuth,
  type RegisterFailure,
  type Registration,
  type ServerHello,
} from '../../src/protocol/index.js';
import type { Timers } from '../../src/time/index.js';
import { tempDir } from './warren-processes.js';

/** A connector side built directly on src/protocol: it does only what a test tells it to. */
export interface RawLink {
  socket: tls.TLSSocket;
  conn: MuxConnection;
  hello: ServerHello;
  closed: Promise<void>;
}

/** TLS to the tunnel port, then waits for the edge's Hello. */
export async function dialTunnel(port: number, ca: string, localAddress?: string): Promise<RawLink> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    ca,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  const conn = new MuxConnection(socket, {
    role: 'connector',
    initialWindow: 256 * 1024,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  const hello = await new Promise<ServerHello>((resolve, reject) => {
    conn.onControl = (f) =>
      f.type === FrameType.Hello ? resolve(parseServerHello(f.payload)) : reject(new Error(`frame ${f.type}`));
    void closed.then(() => reject(new Error('closed before Hello')));
  });
  return { socket, conn, hello, closed };
}

/** Lists for the raw links and edges a test file opens: all are closed after its tests. */
export function closedAfterTests(): { links: RawLink[]; edges: EdgeHarness[] } {
  const links: RawLink[] = [];
  const edges: EdgeHarness[] = [];
  after(async () => {
    for (const l of links) l.conn.destroy();
    for (const h of edges) await h.close();
  });
  return { links, edges };
}

/** The auth of a quick tunnel's further link: the tunnel's secret proven over this link's nonce. */
export function quickSecretAuth(link: RawLink, quick: NonNullable<Registration['quick']>): RegisterAuth {
  return {
    kind: 'secret',
    accountTag: 'quick',
    tunnelId: quick.tunnelId,
    proof: proveSecret(Buffer.from(quick.secret, 'base64'), link.hello.nonce),
  };
}

/** Sends Register and resolves with the edge's answer. */
export function register(
  link: RawLink,
  auth: RegisterAuth,
  connIndex = 0,
  features?: string[],
  connectorId = 'raw-test-connector',
): Promise<Registration | RegisterFailure> {
  return new Promise((resolve, reject) => {
    link.conn.onControl = (f) => {
      if (f.type === FrameType.Registered) resolve(parseRegistration(f.payload));
      else if (f.type === FrameType.RegisterError) resolve(parseRegisterFailure(f.payload));
    };
    void link.closed.then(() => reject(new Error('closed before an answer to Register')));
    link.conn.sendFrame(
      FrameType.Register,
      0,
      encodeJson({
        version: PROTOCOL_VERSION,
        auth,
        connector: {
          connectorId,
          connIndex,
          version: 'test',
          arch: 'x64',
          os: 'linux',
          ...(features === undefined ? {} : { features }),
        },
        heartbeatMs: 60_000,
        initialWindow: 256 * 1024,
      }),
    );
  });
}

export interface EdgeHarness {
  edge: EdgeServer;
  httpPort: number;
  tunnelPort: number;
  ca: string;
  close(): Promise<void>;
}

/** An EdgeServer in this process (quick tunnels only) on loopback ports. */
export async function startEdge(
  options: {
    limits?: Partial<TunnelPortLimits>;
    quick?: (dataDir: string) => Promise<QuickTunnelAuthority>;
    timers?: Timers;
    linkStall?: Partial<LinkStallTimes>;
  } = {},
): Promise<EdgeHarness> {
  const dataDir = tempDir('warren-edge-');
  const material = await loadOrCreateEdgeTls({ dataDir, hostnames: ['127.0.0.1'] });
  const edge = new EdgeServer({
    edgeName: 'test-edge',
    bind: '127.0.0.1',
    httpPort: 0,
    tunnelPort: 0,
    tls: { cert: material.certPem, key: material.keyPem },
    quick: await (options.quick ?? ((d) => QuickTunnelAuthority.open(d, 'warren.localhost')))(dataDir),
    tunnelLimits: options.limits,
    logger: pino({ level: 'silent' }),
    timers: options.timers,
    linkStall: options.linkStall,
  });
  const ports = await edge.listen();
  return {
    edge,
    httpPort: ports.httpPort,
    tunnelPort: ports.tunnelPort,
    ca: material.caPem,
    close: () => edge.close(0),
  };
}
