import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, LOOPBACK, waitForOk } from '../lib/net.js';
import { type Child, spawnChild, treeMemory } from '../lib/proc.js';
import type { Peer, PeerContext } from './peer.js';

export const HA_CONNECTIONS = 4;

export interface WarrenEdge {
  child: Child;
  httpPort: number;
  tunnelPort: number;
  caPath: string;
  /** The control API, http://127.0.0.1:<apiPort>/client/v4. */
  apiPort: number;
  dataDir: string;
}

/**
 * `--warren-node-flags`, then `node --cpu-prof` flags when the context asks for profiles (written at a clean
 * exit, as `<role>.cpuprofile`).
 */
export function nodeArgs(ctx: PeerContext, role: string): string[] {
  const flags = ctx.warrenNodeFlags ?? [];
  if (ctx.cpuProfDir === undefined) return flags;
  return [...flags, '--cpu-prof', '--cpu-prof-dir', ctx.cpuProfDir, '--cpu-prof-name', `${role}.cpuprofile`];
}

/** `warren serve` on ephemeral loopback ports with a fresh data dir; resolves once it printed its addresses. */
export async function startEdge(
  ctx: PeerContext,
  name: string,
  extraArgs: string[] = [],
  profRole = 'edge',
  env: NodeJS.ProcessEnv = {},
): Promise<WarrenEdge> {
  const main = join(ctx.repo, 'dist', 'src', 'cli', 'main.js');
  const dataDir = mkdtempSync(join(ctx.tmp, `${name}-data-`));
  const child = spawnChild(
    name,
    process.execPath,
    [
      ...nodeArgs(ctx, profRole),
      main,
      'serve',
      '--bind',
      LOOPBACK,
      '--http-port',
      '0',
      '--tunnel-port',
      '0',
      '--api-port',
      '0',
      '--data-dir',
      dataDir,
      '--loglevel',
      'warn',
      ...extraArgs,
    ],
    { env: { ...process.env, ...env } },
  );
  try {
    const http = await child.waitFor(/visitor http\s+http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
    const tunnel = await child.waitFor(/^\s*tunnel\s+127\.0\.0\.1:(\d+)/m, 30_000);
    const ca = await child.waitFor(/edge CA\s+(\S+)/, 30_000);
    const api = await child.waitFor(/api\s+http:\/\/127\.0\.0\.1:(\d+)\/client\/v4/, 30_000);
    return {
      child,
      httpPort: Number(http[1]),
      tunnelPort: Number(tunnel[1]),
      caPath: ca[1] as string,
      apiPort: Number(api[1]),
      dataDir,
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** `warren tunnel --url … --ha-connections 4` (the CLI, as a user runs it); resolves once all links are registered. */
export async function startConnector(
  ctx: PeerContext,
  edge: WarrenEdge,
  name: string,
): Promise<{ child: Child; hostname: string }> {
  const main = join(ctx.repo, 'dist', 'src', 'cli', 'main.js');
  const metricsPort = await freePort();
  const child = spawnChild(name, process.execPath, [
    ...nodeArgs(ctx, 'connector'),
    main,
    'tunnel',
    '--url',
    `http://${LOOPBACK}:${ctx.originPort}`,
    '--edge',
    `${LOOPBACK}:${edge.tunnelPort}`,
    '--edge-ca',
    edge.caPath,
    '--ha-connections',
    String(HA_CONNECTIONS),
    '--metrics',
    `${LOOPBACK}:${metricsPort}`,
    '--grace-period',
    '5s',
    '--loglevel',
    'warn',
  ]);
  try {
    const m = await child.waitFor(/Your quick tunnel is ready: http:\/\/([^:/\s]+)/, 30_000);
    const metrics = { base: `http://${LOOPBACK}:${metricsPort}`, host: undefined };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await get(metrics, '/ready', 5_000).catch(() => undefined);
      if (r?.status === 200 && (JSON.parse(r.body) as { readyConnections: number }).readyConnections >= HA_CONNECTIONS)
        break;
      if (Date.now() > deadline) throw new Error(`connector: ${HA_CONNECTIONS} links not ready after 30 s`);
      await new Promise((res) => setTimeout(res, 100));
    }
    return { child, hostname: m[1] as string };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** warren: `serve` + one quick tunnel with 4 HA connections, both as separate processes from the CLI. */
export const warren: Peer = {
  name: 'warren',
  describe: () =>
    `warren serve + warren tunnel (quick tunnel, ${HA_CONNECTIONS} HA connections), node ${process.version}`,
  unavailable: async () => undefined,
  async start(ctx) {
    const edge = await startEdge(ctx, 'warren-serve');
    let connector: Child | undefined;
    try {
      const c = await startConnector(ctx, edge, 'warren-tunnel');
      connector = c.child;
      const target = { base: `http://${LOOPBACK}:${edge.httpPort}`, host: c.hostname };
      await waitForOk(target, '/', 'Hello', 20_000);
      const extra = {
        idleConnectorRss: treeMemory([c.child.pid]).rss,
        idleEdgeRss: treeMemory([edge.child.pid]).rss,
      };
      const conn = c.child;
      return {
        target,
        pids: () => [edge.child.pid, conn.pid],
        roles: { edge: edge.child.pid, connector: conn.pid },
        sampleRssUnderLoad: ['edge', 'connector'],
        extra,
        // SIGTERM first: both exit cleanly, which is also when --cpu-prof writes its profile.
        stop: async () => {
          await conn.stop(15_000);
          await edge.child.stop(15_000);
        },
      };
    } catch (err) {
      await connector?.stop();
      await edge.child.stop();
      throw err;
    }
  },
};
