import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './control-harness.js';
import { type Proc, startCli, tempDir } from './warren-processes.js';

/** One `warren edge` process with its banner's ports. */
export interface EdgeProc extends Proc {
  name: string;
  httpPort: number;
  tunnelPort: number;
  caPath: string;
  peerAddress: string;
}

/** `warren control` plus edges on one fresh PostgreSQL database, sharing one WARREN_SECRET_KEY. */
export interface Cluster {
  databaseUrl: string;
  secretKey: string;
  control: Proc;
  apiBase: string;
  edges: Map<string, EdgeProc>;
  startEdge(name: string, env?: NodeJS.ProcessEnv): Promise<EdgeProc>;
  api<R>(method: string, path: string, body?: unknown): Promise<{ success: boolean; result: R }>;
  close(): Promise<void>;
}

export const PG_SKIP = DIALECTS.find((d) => d.name === 'postgres')?.skip ?? 'no postgres case';

export async function startCluster(): Promise<Cluster> {
  const pgCase = DIALECTS.find((d) => d.name === 'postgres');
  if (pgCase === undefined) throw new Error('no postgres dialect');
  const db = await pgCase.fresh();
  const databaseUrl = db.databaseUrl as string;
  const secretKey = randomBytes(32).toString('base64');
  const env = { WARREN_SECRET_KEY: secretKey, WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN };
  const control = startCli(
    ['control', '--database-url', databaseUrl, '--data-dir', tempDir(), '--api-port', '0', '--loglevel', 'warn'],
    { env },
  );
  const [, apiPort] = await control.waitFor(/api\s+http:\/\/[^:]+:(\d+)/, { timeoutMs: 60_000 });
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const edges = new Map<string, EdgeProc>();
  const cluster: Cluster = {
    databaseUrl,
    secretKey,
    control,
    apiBase,
    edges,
    async startEdge(name, extraEnv = {}) {
      const proc = startCli(
        [
          'edge',
          '--database-url',
          databaseUrl,
          '--name',
          name,
          '--data-dir',
          tempDir(),
          '--http-port',
          '0',
          '--tunnel-port',
          '0',
          '--loglevel',
          'warn',
        ],
        // One process per edge unless a test asks for workers (`--workers` defaults to one per core).
        { env: { WARREN_SECRET_KEY: secretKey, WARREN_WORKERS: '1', ...extraEnv } },
      );
      const [, http] = await proc.waitFor(/visitor http\s+http:\/\/[^:]+:(\d+)/, { timeoutMs: 60_000 });
      const [, tunnel] = await proc.waitFor(/tunnel\s+\S+:(\d+)/);
      const [, caPath] = await proc.waitFor(/edge CA\s+(\S+)/);
      const [, peer] = await proc.waitFor(/peers\s+(\S+)/);
      const e = Object.assign(proc, {
        name,
        httpPort: Number(http),
        tunnelPort: Number(tunnel),
        caPath: caPath as string,
        peerAddress: peer as string,
      });
      edges.set(name, e);
      return e;
    },
    async api<R>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${apiBase}/client/v4${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as { success: boolean; result: R };
    },
    async close() {
      await Promise.all([...edges.values()].map((e) => e.stop('SIGKILL')));
      await control.stop('SIGKILL');
      await db.drop();
    },
  };
  return cluster;
}

/** A zone example.com and a tunnel routed at app.example.com; its token. */
export async function routedTunnel(
  c: Cluster,
): Promise<{ accountId: string; zoneId: string; tunnelId: string; token: string }> {
  const accountId = (await c.api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
  const zoneId = (await c.api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' }))
    .result.id;
  const tunnelId = (await c.api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'web' })).result
    .id;
  await c.api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, { type: 'dns', user_hostname: 'app.example.com' });
  const token = (await c.api<string>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).result;
  return { accountId, zoneId, tunnelId, token };
}

/** A visitor request to one edge's HTTP port for app.example.com; the whole body read (or hashed by `onData`). */
export function visit(
  port: number,
  path: string,
  options: {
    method?: string;
    body?: Buffer;
    agent?: import('node:http').Agent;
    onData?: (b: Buffer) => void;
    host?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: Buffer; headers: import('node:http').IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? 'app.example.com', ...options.headers },
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (options.onData === undefined) chunks.push(c);
          else options.onData(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
