import { randomUUID } from 'node:crypto';
import { ControlPlane, issueSetupLink } from '../../control/index.js';
import { sharedEdgeCa } from '../../edge/index.js';
import { launcherCommand } from '../launcher-command.js';
import { createLogger, type LoggerOptions } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';
import { linklessApi, mailOf } from './control-wiring.js';
import { openServerStore } from './open-server-store.js';
import { bootstrap, isLoopback, type ServeOptions } from './serve-command.js';

export interface ControlCommandOptions {
  dataDir: string;
  databaseUrl: string;
  bind: string;
  apiPort: number;
  /** HOST:PORT connectors dial (cert.pem, tunnel tokens). */
  edgeAddress: string;
  domain: string;
  maxTunnelsPerAccount: number;
  classicDnsCleanupAfterMs: number | undefined;
  /** Undefined: on when `bind` is loopback only, as `warren serve`. */
  zoneAutoActivate: boolean | undefined;
  pendingZoneExpiryDays: number;
  smtp: { url: string | undefined; from: string | undefined };
  admin: ServeOptions['admin'];
  log: LoggerOptions;
}

/** `warren control`: the API, the dashboard and the background jobs, beside any number of `warren edge`. */
export async function runControl(o: ControlCommandOptions): Promise<void> {
  const logger = createLogger(o.log);
  const { dataDir, store } = await openServerStore(o.dataDir, o.databaseUrl, logger);
  // Served at /client/v4/edge_ca.pem and pinned in tunnel tokens; opening its key checks WARREN_SECRET_KEY.
  const ca = await sharedEdgeCa(store, dataDir);
  let admin = await bootstrap(store, o.admin);
  const control = await ControlPlane.start({
    launcher: launcherCommand(),
    ...mailOf(o.smtp, o.domain),
    store,
    domain: o.domain,
    // It holds no links: a name no edge can have (edge names are DNS labels), so it clears no edge's rows.
    edgeName: `control.${randomUUID().slice(0, 8)}`,
    maxTunnelsPerAccount: o.maxTunnelsPerAccount,
    logger,
    edgeAddress: o.edgeAddress,
    edgeCaPem: ca.caPem,
    classicCleanupAfterMs: o.classicDnsCleanupAfterMs,
    zoneAutoActivate: o.zoneAutoActivate ?? isLoopback(o.bind),
    pendingZoneExpiryMs: o.pendingZoneExpiryDays * 86_400_000,
  });
  const { api, management, tailRelay, setReady } = linklessApi(store, logger, control);
  await api.listen({ port: o.apiPort, host: o.bind });
  const addr = api.server.address();
  const apiPort = typeof addr === 'object' && addr !== null ? addr.port : o.apiPort;
  setReady(true);
  const host = o.bind.includes(':') ? `[${o.bind}]` : o.bind;
  if (admin === undefined) {
    const link = await issueSetupLink(store);
    admin = `  setup          http://${host}:${apiPort}/setup?token=${link.token}`;
  }
  process.stdout.write(
    [
      'warren control is running',
      `  api            http://${host}:${apiPort}/client/v4`,
      `  edges          connectors dial ${o.edgeAddress}; edge CA ${ca.caPath}`,
      admin,
      '',
    ].join('\n'),
  );
  logger.info({ apiPort }, 'control ready');
  onShutdownSignals(logger, async () => {
    setReady(false);
    management.close();
    tailRelay.close();
    await api.close();
    await control.close();
    await store.close();
  });
}
