import { ControlPlane } from '../../control/index.js';
import { EdgeCluster, EdgeMembership, TailRelay, type TunnelPortLimits } from '../../edge/index.js';
import { launcherCommand } from '../launcher-command.js';
import { createLogger, type LoggerOptions } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';
import { tunnelTlsOf, wireEdge } from './edge-wiring.js';
import { openServerStore } from './open-server-store.js';

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
  log: LoggerOptions;
}

/**
 * `warren edge`: the visitor and tunnel listeners of one edge among several on one PostgreSQL.
 * It serves every tunnel: its own connectors' links first, else through the edge that holds
 * one (edge-to-edge forwarding). No API and no background jobs: those are `warren control`'s.
 */
export async function runEdge(o: EdgeCommandOptions): Promise<void> {
  const logger = createLogger(o.log);
  const { dataDir, store } = await openServerStore(o.dataDir, o.databaseUrl, logger);
  // Before the connection tracker starts: it forgets the rows of its name (a restart's), and must
  // not wipe those of a running edge given the same --name by mistake.
  await EdgeMembership.assertNameFree(store, o.edgeName);
  const { ca, tls } = await tunnelTlsOf(store, dataDir, [o.bind, `edge.${o.domain}`], o.tunnelTls, true);
  // The control plane's edge half only: tunnel authentication, host routing, connection records
  // and configuration pushes. Its jobs run in `warren control`, its routes are not served here.
  const control = await ControlPlane.start({
    launcher: launcherCommand(),
    store,
    domain: o.domain,
    edgeName: o.edgeName,
    maxTunnelsPerAccount: o.maxTunnelsPerAccount,
    logger,
    edgeCaPem: tls.caPem,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
    accessKeyRotationTimer: false,
    pendingZoneExpiryTimer: false,
    dashboardDir: false,
  });
  // Quick tunnels too are served by every edge: their links are recorded like named ones, and
  // every edge derives the same quick-tunnel key from the deployment's CA.
  control.tracker.alsoRecordQuickLinks();
  const wired = await wireEdge({ ...o, store, control, logger, dataDir, tls, quickKeyFrom: ca.caKeyPem });
  const { edge } = wired;
  // `warren tail` through `warren control` (or any process) sees this edge's connectors.
  const tailRelay = new TailRelay(edge.management, store.feed, logger);
  const ports = await edge.listen();
  const cluster = await EdgeCluster.start({
    store,
    edgeName: o.edgeName,
    bind: o.bind,
    peerPort: o.peerPort,
    peerHost: o.peerHost,
    ca,
    registry: edge.registry,
    onRejoined: () => {
      control.tracker.reconcile().catch(() => {});
    },
    logger,
  });
  const host = o.bind.includes(':') ? `[${o.bind}]` : o.bind;
  process.stdout.write(
    [
      `warren edge ${o.edgeName} is running`,
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
    { edgeName: o.edgeName, httpPort: ports.httpPort, tunnelPort: ports.tunnelPort, peer: cluster.peerAddress },
    'edge ready',
  );
  onShutdownSignals(logger, async () => {
    // Stop being picked first, then drain (relayed requests are streams on this edge's links), then unlink.
    await cluster.leave();
    tailRelay.close();
    await wired.close();
    cluster.close();
    await control.close();
    await store.close();
  });
}
