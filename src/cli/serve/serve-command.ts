import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { checkPassword } from '../../control/identity/user-admin.js';
import { bootstrapAdmin, createApiServer, issueSetupLink, ManagementTokens } from '../../control/index.js';
import { DnsMetrics, type DnsService, startDnsService } from '../../dns/index.js';
import { ManagementEndpoint, TailRelay, type TunnelPortLimits } from '../../edge/index.js';
import { WarrenError } from '../../errors/index.js';
import { DatabaseMetrics, type Store } from '../../store/index.js';
import { shellWord } from '../launcher-command.js';
import { createLogger, type LoggerOptions } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';
import { startServeControl } from './control-wiring.js';
import { dnsAddresses } from './dns-command.js';
import { tunnelTlsOf, wireEdge } from './edge-wiring.js';
import { openServerStore } from './open-server-store.js';
import { type AcmeFlags, startAcme } from './serve-acme.js';

export interface ServeOptions {
  dataDir: string;
  bind: string;
  httpPort: number;
  /** Visitor HTTPS: listens when both files are given. */
  https: { port: number; cert: string | undefined; key: string | undefined };
  /** `--acme-email` / `--acme-directory`: certificates by ACME (off without an e-mail). */
  acme?: AcmeFlags | undefined;
  /** `--tls-cert/--tls-key`: the tunnel listener's own certificate instead of the generated edge CA's. */
  tunnelTls: { cert: string | undefined; key: string | undefined };
  tunnelPort: number;
  /**
   * `--tunnel-handshake-timeout`, `--tunnel-max-pending[-per-source]`, `--tunnel-max-links-per-tunnel`,
   * `--quick-tunnel-max-links[-per-source]`.
   */
  tunnelLimits: TunnelPortLimits;
  /** Flags given that no longer apply: one warning each at start. */
  ignoredFlags?: string[];
  apiPort: number;
  domain: string;
  edgeName: string | undefined;
  /** `--workers`: N > 1 (PostgreSQL only) runs control, DNS and jobs here and N edge worker processes. */
  workers?: number | undefined;
  quickTunnelsPerMinute: number;
  originResponseTimeoutMs: number;
  /** `--request-body-idle-timeout`, in milliseconds. */
  requestBodyIdleTimeoutMs: number;
  /** postgres://… for PostgreSQL; undefined for SQLite in the data directory. */
  databaseUrl: string | undefined;
  maxTunnelsPerAccount: number;
  /** `--classic-dns-cleanup-after`: fixed delay (ms); undefined: a random point in 24–48 hours per record. */
  classicDnsCleanupAfterMs: number | undefined;
  /** `--verify-resolver` (IP:PORT): where partial zones' TXT verification records are looked up. */
  verifyResolver: string | undefined;
  /** `--zone-auto-activate`; undefined: on when `bind` is a loopback address. */
  zoneAutoActivate?: boolean | undefined;
  /** `--pending-zone-expiry-days`: how long a pending zone reserves its name. */
  pendingZoneExpiryDays: number;
  /** `--allow-private-idp-addresses`: OIDC providers may live on loopback/private/link-local addresses. */
  allowPrivateIdpAddresses: boolean;
  /** `--dns-port` (`portIsDefault`: not given, so a taken port only disables DNS), `--edge-address`, `--ns-address`. */
  dns: { port: number; portIsDefault: boolean; edgeAddresses: string[] | undefined; nsAddresses: string[] | undefined };
  /** `--smtp-url` / `--smtp-from`: one-time PIN mail for Access (no mail without a URL). */
  smtp?: { url: string | undefined; from: string | undefined } | undefined;
  /** WARREN_ADMIN_EMAIL / WARREN_ADMIN_TOKEN / WARREN_ADMIN_PASSWORD. */
  admin: { email: string | undefined; token: string | undefined; password: string | undefined };
  log: LoggerOptions;
}

/** `addr` only reaches this host: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(addr: string): boolean {
  const a = addr
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return a === 'localhost' || a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::ffff:127.0.0.1';
}

/** `--edge-name`, else the host's name: the Cf-Ray suffix (with workers, of `<name>-i`). */
export function serveEdgeName(given: string | undefined): string {
  return (
    given ??
    osHostname()
      .split('.')[0]
      ?.toLowerCase()
      .replace(/[^a-z0-9-]/g, '') ??
    'edge'
  );
}

/** `warren serve`: edge + control API in one process (with `--workers N` on PostgreSQL: see serve-workers.ts). */
export async function serve(options: ServeOptions): Promise<void> {
  if ((options.workers ?? 1) > 1) {
    const { serveWithWorkers } = await import('./serve-workers.js');
    return serveWithWorkers(options);
  }
  const logger = createLogger(options.log);
  for (const warning of options.ignoredFlags ?? []) logger.warn(warning);
  const edgeName = serveEdgeName(options.edgeName);
  const { dataDir, store } = await openServerStore(options.dataDir, options.databaseUrl, logger);
  const { tls } = await tunnelTlsOf(store, dataDir, [options.bind, `edge.${options.domain}`], options.tunnelTls, false);
  let admin = await bootstrap(store, options.admin);
  const { control, launcher, loopbackOnly, zoneAutoActivate } = await startServeControl(options, store, logger, {
    edgeName,
    edgeCaPem: tls.caPem,
  });
  let apiRequest: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const wired = await wireEdge({
    ...options,
    store,
    control,
    logger,
    dataDir,
    edgeName,
    tls,
    // dash.D on the HTTPS port: the same handler as the API port (bound once the API exists).
    dashboard: { host: `dash.${options.domain}`, handler: (req, res) => apiRequest?.(req, res) },
  });
  const { edge, acmeOn } = wired;
  let ready = false;
  const api = createApiServer({
    logger,
    ready: () => ready,
    database: store.health,
    metrics: edge.metrics.registry,
    control: control.api(),
  });
  // `warren tail`'s WebSocket shares the API port: edge and control are one process, and the CLI
  // already knows the API's address from cert.pem.
  const managementTokens = new ManagementTokens(store.secrets, store.clock);
  const management = new ManagementEndpoint({
    hub: edge.management,
    verify: (token, tunnelId) => managementTokens.verify(token, tunnelId, 'logs'),
    logger,
  });
  api.server.on('upgrade', management.onUpgrade);
  // A tail on this process also sees the connectors linked to other processes on the database.
  const tailRelay = new TailRelay(edge.management, store.feed, logger);
  apiRequest = (req, res) => api.server.emit('request', req, res);
  const ports = await edge.listen();
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  // One /metrics on the API port: the edge's counters and the DNS server's (queries by type, answers by rcode).
  const dnsMetrics = new DnsMetrics(edge.metrics.registry);
  new DatabaseMetrics(edge.metrics.registry, store.health);
  const dns = await startServeDns(store, options, dnsMetrics, logger);
  const acme =
    acmeOn === undefined
      ? undefined
      : await startAcme(acmeOn, store, edge.metrics.registry, logger, dns?.cache, [
          // warren's own names: the dashboard, and (DNS-01 through warren's DNS) quick tunnels and team domains
          `dash.${options.domain}`,
          `*.quick.${options.domain}`,
          `*.access.${options.domain}`,
        ]);

  control.setEdgeAddress(`${host}:${ports.tunnelPort}`);
  await api.listen({ port: options.apiPort, host: options.bind });
  const apiAddr = api.server.address();
  const apiPort = typeof apiAddr === 'object' && apiAddr !== null ? apiAddr.port : options.apiPort;
  ready = true;
  if (admin === undefined) {
    // No user yet and no WARREN_ADMIN_*: a one-time link to the setup page (DESIGN §3). Printed on
    // stdout for the operator, never logged; only its hash is stored.
    const link = await issueSetupLink(store);
    const browserHost = options.bind === '0.0.0.0' ? '127.0.0.1' : options.bind === '::' ? '[::1]' : host;
    admin = [
      `  setup          http://${browserHost}:${apiPort}/setup?token=${link.token}`,
      `                 open it to create the first administrator (works once, until ${link.expiresOn})`,
    ].join('\n');
  }
  process.stdout.write(
    [
      'warren is running',
      `  visitor http   http://${host}:${ports.httpPort}  (quick tunnels: http://<name>.quick.${options.domain}:${ports.httpPort})`,
      ...(ports.httpsPort === undefined
        ? []
        : [
            `  visitor https  https://${host}:${ports.httpsPort}  (${[
              acmeOn === undefined ? '' : `ACME ${acmeOn.directoryUrl}`,
              options.https.cert === undefined ? '' : `fallback certificate ${resolve(options.https.cert)}`,
            ]
              .filter((t) => t !== '')
              .join('; ')})`,
          ]),
      `  tunnel         ${host}:${ports.tunnelPort}`,
      ...apiBannerLines(host, apiPort, { dns, dnsPort: options.dns.port, dashboard: control.servesDashboard }),
      tls.caPath !== undefined
        ? `  edge CA        ${tls.caPath}`
        : `  tunnel cert    ${resolve(options.tunnelTls.cert ?? '')}  (connectors trust its issuer: the system's CAs, or --edge-ca)`,
      `  data           ${store.dialect === 'postgres' ? 'PostgreSQL (--database-url)' : `${dataDir}/warren.db`}`,
      admin,
      zoneAutoActivate
        ? `  zones          full zones activate on creation (${loopbackOnly ? 'loopback-only deployment' : '--zone-auto-activate'}; --no-zone-auto-activate to change)`
        : `  zones          full zones activate when their parent delegates them to ns1/ns2.${options.domain} (checked in the background, or PUT /zones/{id}/activation_check) or by ${launcher} admin activate-zone`,
      `Try it: ${tryItCommand(launcher, `${host}:${ports.tunnelPort}`, tls.caPath)}`,
      '',
    ].join('\n'),
  );
  logger.info({ edgeName, httpPort: ports.httpPort, tunnelPort: ports.tunnelPort, apiPort }, 'serve ready');
  onShutdownSignals(logger, async () => {
    ready = false;
    management.close();
    tailRelay.close();
    await acme?.close();
    await Promise.all([wired.close(), api.close(), dns?.close()]);
    await control.close();
    await store.close();
  });
}

/** The banner's DNS, API and dashboard lines of `warren serve` (one process, or the primary of workers). */
export function apiBannerLines(
  host: string,
  apiPort: number,
  o: { dns: { port: number } | undefined; dnsPort: number; dashboard: boolean },
): string[] {
  return [
    o.dns === undefined
      ? `  dns            off (port ${o.dnsPort} is taken; pass --dns-port)`
      : `  dns            ${host}:${o.dns.port} (UDP and TCP)`,
    `  api            http://${host}:${apiPort}/client/v4`,
    o.dashboard
      ? `  dashboard      http://${host}:${apiPort}/`
      : '  dashboard      not built (web/dist is missing: npm run build)',
  ];
}

/**
 * The banner's quick tunnel line, runnable as printed from any directory: the launcher, and the
 * edge and its CA file by absolute path when they are not what a connector finds by default.
 */
export function tryItCommand(launcher: string, edge: string, caPath: string | undefined): string {
  return [
    `${launcher} tunnel --url http://localhost:3000`,
    ...(edge === '127.0.0.1:7844' ? [] : [`--edge ${shellWord(edge)}`]),
    ...(caPath === undefined ? [] : [`--edge-ca ${shellWord(resolve(caPath))}`]),
  ].join(' ');
}

/** The DNS server; undefined when the default port is taken (an explicit --dns-port must bind). */
export async function startServeDns(
  store: Store,
  options: ServeOptions,
  metrics: DnsMetrics,
  logger: ReturnType<typeof createLogger>,
): Promise<DnsService | undefined> {
  try {
    return await startDnsService({
      store,
      domain: options.domain,
      bind: options.bind,
      port: options.dns.port,
      addresses: dnsAddresses(options.bind, options.dns.edgeAddresses, options.dns.nsAddresses, logger),
      logger,
      metrics,
    });
  } catch (err) {
    if (!(err instanceof WarrenError) || !options.dns.portIsDefault) throw err;
    process.stderr.write(`warren: ${err.message}; serving without DNS [${err.code}]\n`);
    return undefined;
  }
}

/** One line for the start banner: who can log in; undefined when nobody can yet (setup link). */
export async function bootstrap(store: Store, admin: ServeOptions['admin']): Promise<string | undefined> {
  if (admin.email !== undefined && admin.token !== undefined) {
    try {
      // The same rules as every other way of setting a password (setup page, `warren admin`).
      if (admin.password !== undefined) {
        try {
          checkPassword(admin.password);
        } catch (err) {
          throw new WarrenError('WARREN_CONFIG_INVALID', `WARREN_ADMIN_PASSWORD: ${(err as Error).message}`);
        }
      }
      const r = await bootstrapAdmin(store, { email: admin.email, token: admin.token, password: admin.password });
      return `  admin          ${admin.email} (account ${r.accountId}; API token from WARREN_ADMIN_TOKEN)`;
    } catch (err) {
      if (err instanceof TypeError) throw new WarrenError('WARREN_CONFIG_INVALID', err.message);
      throw err;
    }
  }
  if (admin.email !== undefined || admin.token !== undefined) {
    throw new WarrenError('WARREN_CONFIG_INVALID', 'set both WARREN_ADMIN_EMAIL and WARREN_ADMIN_TOKEN (or neither)');
  }
  if ((await store.identity.countUsers()) === 0) return undefined;
  return '  admin          (existing users)';
}
