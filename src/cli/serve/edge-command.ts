import { resolve } from 'node:path';
import { ControlPlane } from '../../control/index.js';
import {
  EdgeCluster,
  EdgeMembership,
  QuickTunnelAuthority,
  sharedEdgeCa,
  TailRelay,
  type TunnelPortLimits,
} from '../../edge/index.js';
import { ensureDataDir, Store } from '../../store/index.js';
import { launcherCommand } from '../launcher-command.js';
import { createLogger, type LoggerOptions } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';
import { tunnelTlsOf, wireEdge } from './edge-wiring.js';
import { startWorkers, type WorkerReady, workerSlot } from './edge-workers.js';
import { openServerStore } from './open-server-store.js';
import type { AcmeFlags } from './serve-acme.js';

export interface EdgeCommandOptions {
  dataDir: string;
  databaseUrl: string;
  edgeName: string;
  bind: string;
  httpPort: number;
  https: { port: number; cert: string | undefined; key: string | undefined };
  tunnelPort: number;
  tunnelTls: { cert: string | undefined; key: string | undefined };
  tunnelLimits: TunnelPortLimits;
  peerPort: number;
  peerHost: string | undefined;
  domain: string;
  maxTunnelsPerAccount: number;
  quickTunnelsPerMinute: number;
  originResponseTimeoutMs: number;
  requestBodyIdleTimeoutMs: number;
  smtp: { url: string | undefined; from: string | undefined };
  allowPrivateIdpAddresses: boolean;
  /** `--workers`: 1 runs this process as the edge; N > 1 forks N edges `<name>-1…N` sharing the ports. */
  workers: number;
  /** ACME challenges and certificates (`warren serve --workers N` passes its flags on). */
  acme?: AcmeFlags | undefined;
  log: LoggerOptions;
}

/**
 * `warren edge`: the visitor and tunnel listeners of one edge among several on one PostgreSQL.
 * It serves every tunnel: its own connectors' links first, else through the edge that holds
 * one (edge-to-edge forwarding). No API and no background jobs: those are `warren control`'s.
 */
export async function runEdge(o: EdgeCommandOptions): Promise<void> {
  const slot = workerSlot();
  if (slot === undefined && o.workers > 1) return runEdgePrimary(o);
  const logger = createLogger(o.log);
  const { dataDir, store } = await openServerStore(o.dataDir, o.databaseUrl, logger);
  const edgeName = slot === undefined ? o.edgeName : `${o.edgeName}-${slot.index}`;
  if (slot?.restart === true) {
    // The primary saw this worker's predecessor exit: its row (still fresh) is no live twin.
    await EdgeMembership.takeOver(store, edgeName);
  } else {
    // Before the connection tracker starts: it forgets the rows of its name (a restart's), and must
    // not wipe those of a running edge given the same --name by mistake.
    await EdgeMembership.assertNameFree(store, edgeName);
  }
  const { ca, tls } = await tunnelTlsOf(store, dataDir, [o.bind, `edge.${o.domain}`], o.tunnelTls, true);
  // The control plane's edge half only: tunnel authentication, host routing, connection records
  // and configuration pushes. Its jobs run in `warren control`, its routes are not served here.
  const control = await ControlPlane.start({
    launcher: launcherCommand(),
    store,
    domain: o.domain,
    edgeName,
    maxTunnelsPerAccount: o.maxTunnelsPerAccount,
    logger,
    edgeCaPem: tls.caPem,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
    accessKeyRotationTimer: false,
    pendingZoneExpiryTimer: false,
    dashboardDir: false,
  });
  // Quick tunnels too are served by every edge (and every worker): their links are recorded like
  // named ones, and every edge derives the same quick-tunnel key from the deployment's CA.
  control.tracker.alsoRecordQuickLinks();
  const wired = await wireEdge({ ...o, edgeName, store, control, logger, dataDir, tls, quickKeyFrom: ca.caKeyPem });
  const { edge } = wired;
  // `warren tail` through `warren control` (or any process) sees this edge's connectors.
  const tailRelay = new TailRelay(edge.management, store.feed, logger);
  // Membership and the peer directory before the visitor port: a worker restarted on the shared
  // ports must not take a visitor it cannot yet forward.
  const cluster = await EdgeCluster.start({
    store,
    edgeName,
    bind: o.bind,
    // A fixed --peer-port P gives worker i the port P+i-1 (each worker has its own peer listener).
    peerPort: slot === undefined || o.peerPort === 0 ? o.peerPort : o.peerPort + slot.index - 1,
    peerHost: o.peerHost,
    ca,
    registry: edge.registry,
    onRejoined: () => {
      control.tracker.reconcile().catch(() => {});
    },
    logger,
  });
  const ports = await edge.listen();
  const stopping = onShutdownSignals(logger, async () => {
    // Stop being picked first, then drain (relayed requests are streams on this edge's links), then unlink.
    await cluster.leave();
    tailRelay.close();
    await wired.close();
    cluster.close();
    await control.close();
    await store.close();
  });
  if (slot !== undefined) {
    slot.onPrimaryStop(stopping);
    slot.ready({ name: edgeName, ...ports, peerAddress: cluster.peerAddress });
    return;
  }
  const host = o.bind.includes(':') ? `[${o.bind}]` : o.bind;
  process.stdout.write(
    [
      `warren edge ${edgeName} is running`,
      `  visitor http   http://${host}:${ports.httpPort}`,
      ...(ports.httpsPort === undefined ? [] : [`  visitor https  https://${host}:${ports.httpsPort}`]),
      `  tunnel         ${host}:${ports.tunnelPort}`,
      `  peers          ${cluster.peerAddress} (edge-to-edge, mutual TLS with the shared edge CA)`,
      tls.caPath === undefined ? '  tunnel cert    --tls-cert' : `  edge CA        ${tls.caPath}`,
      '  data           PostgreSQL (--database-url)',
      '',
    ].join('\n'),
  );
  logger.info(
    { edgeName, httpPort: ports.httpPort, tunnelPort: ports.tunnelPort, peer: cluster.peerAddress },
    'edge ready',
  );
}

/**
 * `warren edge --workers N`: the primary holds no links and serves nothing. It prepares the data
 * directory once (the edge CA file, the quick-tunnel key of a later `serve`: N workers creating them at once would
 * race), forks the workers, prints one banner, restarts a worker that dies and stops them all.
 */
async function runEdgePrimary(o: EdgeCommandOptions): Promise<void> {
  const logger = createLogger(o.log);
  const dataDir = resolve(o.dataDir);
  ensureDataDir(dataDir);
  const ca = await prepareWorkerDataDir(o.databaseUrl, dataDir, o.domain, logger);
  const group = await startWorkers({ count: o.workers, baseName: o.edgeName, logger });
  process.stdout.write(
    [`warren edge ${o.edgeName} is running (${o.workers} workers)`, ...workerBanner(o.bind, group.first, ca), ''].join(
      '\n',
    ),
  );
  onShutdownSignals(logger, () => group.stop());
}

/** The edge CA in the database and its file, and the quick-tunnel key, made once before workers start. */
export async function prepareWorkerDataDir(
  databaseUrl: string,
  dataDir: string,
  domain: string,
  logger: ReturnType<typeof createLogger>,
): Promise<string> {
  const store = await Store.open({ dataDir, databaseUrl, secretKey: process.env.WARREN_SECRET_KEY, logger });
  try {
    await QuickTunnelAuthority.open(dataDir, domain);
    return (await sharedEdgeCa(store, dataDir)).caPath;
  } finally {
    await store.close();
  }
}

/** The banner lines of a worker group: the shared ports once, then each worker's name, pid and peer address. */
export function workerBanner(bind: string, workers: readonly WorkerReady[], caPath: string): string[] {
  const host = bind.includes(':') ? `[${bind}]` : bind;
  const w = workers[0];
  if (w === undefined) return [];
  return [
    `  visitor http   http://${host}:${w.httpPort}`,
    ...(w.httpsPort === undefined ? [] : [`  visitor https  https://${host}:${w.httpsPort}`]),
    `  tunnel         ${host}:${w.tunnelPort}`,
    ...workers.map((x) => `  worker         ${x.name} pid ${x.pid} peers ${x.peerAddress}`),
    `  edge CA        ${caPath}`,
  ];
}
