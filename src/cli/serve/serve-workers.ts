import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { issueSetupLink } from '../../control/index.js';
import { DnsMetrics } from '../../dns/index.js';
import { ensureDataDir, Store } from '../../store/index.js';
import { createLogger } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';
import { linklessApi, startServeControl } from './control-wiring.js';
import { prepareWorkerDataDir, runEdge, workerBanner } from './edge-command.js';
import { startWorkers, workerSlot } from './edge-workers.js';
import { acmeSettings, startAcme } from './serve-acme.js';
import {
  apiBannerLines,
  bootstrap,
  type ServeOptions,
  serveEdgeName,
  startServeDns,
  tryItCommand,
} from './serve-command.js';

/**
 * `warren serve --workers N` (N > 1, PostgreSQL): this process (the primary) runs what there is
 * one of — the API and dashboard, the DNS server, the background jobs, ACME orders — and forks N
 * edge workers `<edge-name>-1…N` that share the visitor and tunnel ports. Each worker is a full
 * edge of the cluster (`warren edge`'s wiring), so any worker serves any tunnel and a `warren edge`
 * on another host joins the same deployment.
 */
export async function serveWithWorkers(options: ServeOptions): Promise<void> {
  const databaseUrl = options.databaseUrl;
  if (databaseUrl === undefined) throw new Error('serve --workers N needs --database-url (checked by its flags)');
  const edgeName = serveEdgeName(options.edgeName);
  if (workerSlot() !== undefined) {
    return runEdge({
      ...options,
      databaseUrl,
      edgeName,
      peerPort: 0,
      peerHost: undefined,
      smtp: options.smtp ?? { url: undefined, from: undefined },
      workers: options.workers ?? 1,
    });
  }
  const logger = createLogger(options.log);
  for (const warning of options.ignoredFlags ?? []) logger.warn(warning);
  const dataDir = resolve(options.dataDir);
  ensureDataDir(dataDir);
  const caPath = await prepareWorkerDataDir(databaseUrl, dataDir, options.domain, logger);
  const store = await Store.open({ dataDir, databaseUrl, secretKey: process.env.WARREN_SECRET_KEY, logger });
  const ownTunnelCert = options.tunnelTls.cert !== undefined;
  const ca = await store.edges.authority();
  let admin = await bootstrap(store, options.admin);
  const { control, launcher, loopbackOnly, zoneAutoActivate } = await startServeControl(options, store, logger, {
    // It holds no links: a name no edge can have (edge names are DNS labels), so it clears no edge's rows.
    edgeName: `control.${randomUUID().slice(0, 8)}`,
    edgeCaPem: ownTunnelCert ? undefined : ca?.certificate,
  });
  // `warren tail` on the API port: the workers hold the links; their events come through the relay.
  const { api, metrics, management, tailRelay, setReady } = linklessApi(store, logger, control);
  const dns = await startServeDns(store, options, new DnsMetrics(metrics.registry), logger);
  const acmeOn = acmeSettings(options.acme ?? { email: undefined, directory: undefined });
  const acme =
    acmeOn === undefined
      ? undefined
      : await startAcme(acmeOn, store, metrics.registry, logger, dns?.cache, [
          `*.quick.${options.domain}`,
          `*.access.${options.domain}`,
        ]);
  const group = await startWorkers({ count: options.workers ?? 1, baseName: edgeName, logger });
  const first = group.first[0];
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  const tunnelAddress = `${host}:${first?.tunnelPort ?? options.tunnelPort}`;
  control.setEdgeAddress(tunnelAddress);
  await api.listen({ port: options.apiPort, host: options.bind });
  const apiAddr = api.server.address();
  const apiPort = typeof apiAddr === 'object' && apiAddr !== null ? apiAddr.port : options.apiPort;
  setReady(true);
  if (admin === undefined) {
    const link = await issueSetupLink(store);
    const browserHost = options.bind === '0.0.0.0' ? '127.0.0.1' : options.bind === '::' ? '[::1]' : host;
    admin = `  setup          http://${browserHost}:${apiPort}/setup?token=${link.token}`;
  }
  const banner = workerBanner(options.bind, group.first, caPath);
  process.stdout.write(
    [
      `warren is running (${group.first.length} edge workers on PostgreSQL)`,
      ...banner.filter((l) => !l.startsWith('  edge CA')),
      ...apiBannerLines(host, apiPort, { dns, dnsPort: options.dns.port, dashboard: control.servesDashboard }),
      ownTunnelCert
        ? `  tunnel cert    ${resolve(options.tunnelTls.cert ?? '')}  (connectors trust its issuer: the system's CAs, or --edge-ca)`
        : `  edge CA        ${caPath}`,
      '  data           PostgreSQL (--database-url)',
      admin,
      zoneAutoActivate
        ? `  zones          full zones activate on creation (${loopbackOnly ? 'loopback-only deployment' : '--zone-auto-activate'})`
        : `  zones          full zones activate when their parent delegates them to ns1/ns2.${options.domain}`,
      `Try it: ${tryItCommand(launcher, tunnelAddress, ownTunnelCert ? undefined : caPath)}`,
      '',
    ].join('\n'),
  );
  logger.info({ edgeName, workers: group.first.length, apiPort }, 'serve ready');
  onShutdownSignals(logger, async () => {
    setReady(false);
    management.close();
    tailRelay.close();
    await group.stop();
    await acme?.close();
    await Promise.all([api.close(), dns?.close()]);
    await control.close();
    await store.close();
  });
}
