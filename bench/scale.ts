import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './lib/load.js';
import { LOOPBACK, waitForOk } from './lib/net.js';
import { type Child, spawnChild, treeCpuSeconds, treeMemory } from './lib/proc.js';
import { nowUs } from './lib/profile.js';
import type { PeerContext } from './peers/peer.js';
import { nodeArgs, startEdge } from './peers/warren.js';
import { FLEET_ADMIN, provisionFleet } from './scale-fleet.js';
import type { ScaleWorkerMessage, ScaleWorkerSpec } from './scale-worker.js';

export interface ScaleOptions {
  tunnels: number;
  ha: number;
  workers: number;
  /** Tunnels the c=50 load is spread over. */
  spread: number;
  warmupS: number;
  durationS: number;
  load: (spec: LoadSpec) => Promise<LoadResult>;
}

export interface ScaleResult {
  tunnels: number;
  connections: number;
  workers: number;
  registerSeconds: number;
  /** CPU seconds the edge and the connector processes spent while registering. */
  registerCpu: { edge: number; connectors: number };
  /** Register attempts that failed and were retried (from the connectors' warnings). */
  retries: number;
  lastWarning: string;
  edgeRssIdle: number;
  edgeRssRegistered: number;
  edgeRssPerConnection: number;
  spread: number;
  spreadLoad: LoadResult;
  /** CPU time per request (µs) during the spread load. */
  spreadCpu: { edge: number; connectors: number };
  edgeRssAfterLoad: number;
  /** When registration and the spread load ran, in µs of the monotonic clock (to cut profiles). */
  windows: { register: [number, number]; spread: [number, number] };
}

/**
 * 1000 named tunnels of one account × 4 links on one fresh edge on its default flags, all from
 * 127.0.0.1, from `workers` processes running the real Connector class; then c=50 spread
 * round-robin over `spread` of them (each routed at its own hostname).
 */
export async function runScale(ctx: PeerContext, o: ScaleOptions): Promise<ScaleResult> {
  const edge = await startEdge(ctx, 'warren-scale-edge', [], 'scale-edge', {
    WARREN_ADMIN_EMAIL: FLEET_ADMIN.email,
    WARREN_ADMIN_TOKEN: FLEET_ADMIN.token,
  });
  const workers: Child[] = [];
  try {
    const per = Math.ceil(o.tunnels / o.workers);
    // Routed tunnels round robin over the workers, so the load reaches every connector process.
    const routed: number[] = [];
    for (let k = 0; routed.length < Math.min(o.spread, o.tunnels); k++) {
      const i = (k % o.workers) * per + Math.floor(k / o.workers);
      if (i < o.tunnels) routed.push(i);
    }
    const fleet = await provisionFleet(edge, o.tunnels, routed);
    const edgeRssIdle = treeMemory([edge.child.pid]).rss;
    const ca = readFileSync(edge.caPath, 'utf8');
    const script = fileURLToPath(new URL('./scale-worker.js', import.meta.url));
    const inbox: { worker: number; m: ScaleWorkerMessage }[] = [];
    let notify: () => void = () => {};
    for (let w = 0; w < o.workers; w++) {
      const tokens = fleet.tokens.slice(w * per, (w + 1) * per);
      if (tokens.length === 0) break;
      const spec: ScaleWorkerSpec = { edgePort: edge.tunnelPort, ca, originPort: ctx.originPort, tokens, ha: o.ha };
      const c = spawnChild(
        `scale-worker-${w}`,
        process.execPath,
        [...(w === 0 ? nodeArgs(ctx, 'scale-worker-0') : []), script],
        {
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        },
      );
      c.proc.send({ spec });
      c.proc.on('message', (m: ScaleWorkerMessage) => {
        inbox.push({ worker: w, m });
        notify();
      });
      c.exited.then(() => notify());
      workers.push(c);
    }
    /** Waits until every worker has sent a message of `type`; rejects on `failed`, an exit or the deadline. */
    const all = async (type: ScaleWorkerMessage['type'], timeoutMs: number): Promise<ScaleWorkerMessage[]> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const failed = inbox.find((e) => e.m.type === 'failed');
        if (failed !== undefined && failed.m.type === 'failed') throw new Error(`scale worker: ${failed.m.error}`);
        const got = workers.map((_, i) => inbox.find((e) => e.worker === i && e.m.type === type)?.m);
        if (got.every((m) => m !== undefined)) return got as ScaleWorkerMessage[];
        const dead = workers.find((c) => c.proc.exitCode !== null);
        if (dead !== undefined) throw new Error(`${dead.name} exited:\n${dead.output().slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`scale: not every worker reached "${type}" within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 1_000));
          notify = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    };
    await all('loaded', 30_000);
    const cpu = (): { edge: number; connectors: number } => ({
      edge: treeCpuSeconds([edge.child.pid]),
      connectors: treeCpuSeconds(workers.map((c) => c.pid)),
    });
    const cpu0 = cpu();
    const t0 = performance.now();
    const r0 = nowUs();
    for (const c of workers) c.proc.send('go');
    const done = await all('registered', 120_000);
    const registerSeconds = (performance.now() - t0) / 1000;
    const r1 = nowUs();
    const cpu1 = cpu();
    const registerCpu = { edge: cpu1.edge - cpu0.edge, connectors: cpu1.connectors - cpu0.connectors };
    const edgeRssRegistered = treeMemory([edge.child.pid]).rss;
    let retries = 0;
    let lastWarning = '';
    for (const m of done) {
      if (m.type !== 'registered') continue;
      retries += m.retries;
      if (m.lastWarning !== '') lastWarning = m.lastWarning;
    }
    const hosts = [...fleet.hosts.values()];
    const base = `http://${LOOPBACK}:${edge.httpPort}`;
    for (const h of hosts) await waitForOk({ base, host: h }, '/', 'Hello', 10_000);
    await o.load({ target: { base, host: undefined }, hosts, connections: 50, durationS: o.warmupS });
    const cpu2 = cpu();
    const s0 = nowUs();
    const spreadLoad = await o.load({
      target: { base, host: undefined },
      hosts,
      connections: 50,
      durationS: o.durationS,
    });
    const s1 = nowUs();
    const cpu3 = cpu();
    const perReq = (a: number, b: number): number => ((b - a) * 1e6) / Math.max(1, spreadLoad.requests);
    const spreadCpu = { edge: perReq(cpu2.edge, cpu3.edge), connectors: perReq(cpu2.connectors, cpu3.connectors) };
    const edgeRssAfterLoad = treeMemory([edge.child.pid]).rss;
    const connections = o.tunnels * o.ha;
    return {
      tunnels: o.tunnels,
      connections,
      workers: workers.length,
      registerSeconds,
      registerCpu,
      retries,
      lastWarning,
      edgeRssIdle,
      edgeRssRegistered,
      edgeRssPerConnection: (edgeRssRegistered - edgeRssIdle) / connections,
      spread: hosts.length,
      spreadLoad,
      spreadCpu,
      edgeRssAfterLoad,
      windows: { register: [r0, r1], spread: [s0, s1] },
    };
  } finally {
    for (const c of workers) {
      if (c.proc.connected) c.proc.send('stop');
    }
    await Promise.all(workers.map((c) => c.stop(10_000)));
    await edge.child.stop(10_000);
  }
}
