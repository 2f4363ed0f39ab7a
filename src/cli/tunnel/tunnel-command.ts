import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConnectorConfig } from '../../connector/config/index.js';
import {
  accessJwtVerifier,
  Connector,
  ConnectorMetrics,
  type EdgeAddress,
  LogRing,
  Orchestrator,
  resolveEdgeAddresses,
  startMetricsServer,
  type TunnelCredentials,
} from '../../connector/index.js';
import { originUrlOf } from '../../connector/ingress/index.js';
import { WarrenError } from '../../errors/index.js';
import { warrenHome } from '../../pki/origin-cert-file.js';
import { createLogger, type LoggerOptions, parseLogLevel } from '../logger.js';
import { onReloadSignal, onShutdownSignals } from '../shutdown-signals.js';
import { diagConfiguration } from './diag-configuration.js';
import { loadRunConfig, readOriginCaRoot } from './tunnel-run-command.js';

export interface TunnelRunOptions {
  /** `--url`; undefined: the config file's ingress rules decide. */
  url: string | undefined;
  /** `--config` as given, and the file as loaded (its flags already merged into these options). */
  configPath: string | undefined;
  config: ConnectorConfig | undefined;
  /** `--connect-timeout` only when set on the command line or in the environment. */
  connectTimeoutMs: number | undefined;
  /** undefined: a quick tunnel. */
  credentials: TunnelCredentials | undefined;
  edge: string;
  edgeCa: string | undefined;
  haConnections: number;
  metrics: string | undefined;
  gracePeriodMs: number;
  heartbeatMs: number | undefined;
  log: LoggerOptions;
  /** Level of the edge-link logs; undefined: the --loglevel. */
  transportLoglevel?: string | undefined;
  /** Written with the pid once the first link registers; removed at exit. */
  pidfile?: string | undefined;
  retries?: number | undefined;
  tags?: Readonly<Record<string, string>>;
  label?: string | undefined;
  edgeIpVersion?: '4' | '6' | 'auto' | undefined;
  edgeBindAddress?: string | undefined;
}

/** Where the edge CA is looked for when --edge-ca is not given: the local data dir, then ~/.warren. */
export function findEdgeCa(explicit: string | undefined): string | undefined {
  const candidates =
    explicit !== undefined
      ? [explicit]
      : [join(process.env.WARREN_DATA_DIR ?? '.warren', 'edge-ca.pem'), join(warrenHome(), 'edge-ca.pem')];
  for (const c of candidates) {
    if (existsSync(c)) return readFileSync(c, 'utf8');
    if (explicit !== undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `--edge-ca ${resolve(c)}: no such file; copy <data-dir>/edge-ca.pem from the edge`,
      );
    }
  }
  return undefined;
}

// Kept for the existing imports; it lives in connector/edge-addresses.ts.
export { parseEdgeAddress } from '../../connector/index.js';

/** `--pidfile`: written once connected (as cloudflared does), so a supervisor sees a live tunnel. */
function writePidfile(path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (err) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--pidfile ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'}); pick a writable path`,
      { cause: err },
    );
  }
}

/** Runs the connector: a quick tunnel (`warren tunnel --url`) or a named one (`warren tunnel run`). */
export async function runTunnel(o: TunnelRunOptions): Promise<void> {
  // Recent lines for `warren tunnel diag` (the metrics server's local-only /diag/logs).
  const logRing = new LogRing();
  const logger = createLogger({ ...o.log, onLine: (line) => logRing.push(line) });
  if (o.url !== undefined && !URL.canParse(originUrlOf(o.url))) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `--url "${o.url}" is not a URL: write e.g. http://localhost:3000`);
  }
  if (o.edgeIpVersion !== undefined && !['4', '6', 'auto'].includes(o.edgeIpVersion)) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `edge-ip-version "${o.edgeIpVersion}" must be 4, 6 or auto`);
  }
  const tags = o.tags !== undefined && Object.keys(o.tags).length > 0 ? o.tags : undefined;
  // Sent at registration (shown in the API's connector view), and in the log and /ready.
  const transportLogger =
    o.transportLoglevel === undefined ? logger : logger.child({}, { level: parseLogLevel(o.transportLoglevel) });
  const metrics = new ConnectorMetrics();
  // Access rules learn D and read the team's keys over the link (the connector exists below).
  let linked: Connector | undefined;
  const accessVerifier = accessJwtVerifier({
    accessDomain: () => (process.env.WARREN_DOMAIN || undefined) ?? linked?.accessDomain,
    linkKeys: (team) => linked?.accessKeys(team),
  });
  const run = await Orchestrator.create({
    accessVerifier,
    accessDomainFromEdge: o.credentials !== undefined,
    config: o.config ?? loadRunConfig(o.configPath),
    url: o.url,
    connectTimeoutMs: o.connectTimeoutMs,
    quick: o.credentials === undefined,
    originCaRoot: readOriginCaRoot(),
    metrics,
    logger,
  });
  // Rules from a file are reloaded on SIGHUP; without one, SIGHUP keeps its default (exit).
  const stopReload = run.reloadable ? onReloadSignal(() => void run.updateIngress()) : () => {};
  const origin = run.origin;
  let announced = false;
  const connector = new Connector({
    ...(await edgesOf(o.edge)),
    // A token's edge pin stands in for the CA file, unless --edge-ca names one.
    ...(o.edgeCa === undefined && o.credentials?.edgePin !== undefined
      ? { ca: undefined, edgePin: o.credentials.edgePin }
      : { ca: findEdgeCa(o.edgeCa) }),
    credentials: o.credentials,
    haConnections: o.haConnections,
    ...(o.retries !== undefined ? { maxRetries: o.retries } : {}),
    dial: {
      family: o.edgeIpVersion === '4' ? 4 : o.edgeIpVersion === '6' ? 6 : undefined,
      localAddress: o.edgeBindAddress,
    },
    handle: (stream, head) => origin.handle(stream, head),
    tags,
    tap: run.tap,
    // What became of each pushed version goes back on the link it came by: the API shows it.
    onConfigPush: (payload, report) =>
      void run.applyRemoteConfig(payload).then((outcome) => {
        if (outcome.status !== undefined) report(outcome.status);
      }),
    logger: transportLogger,
    metrics,
    // The connector drops a link after HEARTBEAT_MISSES_ALLOWED silent intervals of this.
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    onRegistered: (reg) => {
      if (announced) return;
      announced = true;
      if (o.pidfile !== undefined) writePidfile(o.pidfile);
      if (reg.quick !== undefined && reg.url !== undefined) {
        process.stdout.write(`Your quick tunnel is ready: ${reg.url}\n  forwarding to ${run.target}\n`);
      } else {
        process.stdout.write(
          `Tunnel ${reg.tunnelId} is connected (edge ${reg.edgeName}), forwarding to ${run.target}\n`,
        );
      }
    },
  });
  linked = connector;
  // While a health-checked origin fails, the edge sends this replica nothing (the others serve).
  run.health.onChange = (healthy) => (healthy ? connector.resume() : connector.pause());
  run.health.start();
  if (o.metrics !== undefined) {
    const m = await startMetricsServer(o.metrics, {
      metrics,
      readyConnections: () => connector.readyConnections,
      connectorId: connector.connectorId,
      paused: () => connector.paused,
      configuration: () => run.state,
      tags,
      label: o.label,
      diag: {
        configuration: () => diagConfiguration(o, connector.connectorId, () => origin.ingress),
        logs: logRing,
        secrets: secretsOf(o),
      },
    });
    process.stdout.write(`Metrics server listening on ${m.url}/metrics\n`);
  }
  if (tags !== undefined || o.label !== undefined) {
    logger.info({ connectorId: connector.connectorId, tags, label: o.label }, 'connector tags');
  }
  onShutdownSignals(logger, async () => {
    stopReload();
    run.health.stop();
    await connector.shutdown(o.gracePeriodMs);
    run.close();
    if (o.pidfile !== undefined) rmSync(o.pidfile, { force: true });
  });
  try {
    await connector.run();
  } finally {
    if (o.pidfile !== undefined && announced) rmSync(o.pidfile, { force: true });
  }
}

/** The forms a tunnel secret or token could take in text: scrubbed from /diag answers. */
function secretsOf(o: TunnelRunOptions): string[] {
  const out: string[] = [];
  const secret = o.credentials?.secret;
  if (secret !== undefined) out.push(secret.toString('base64'), secret.toString('base64url'), secret.toString('hex'));
  for (const name of ['TUNNEL_TOKEN', 'WARREN_TOKEN']) {
    const v = process.env[name];
    if (v !== undefined && v !== '') out.push(v.trim());
  }
  // --token T / --token=T as given on the command line.
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (/^--?token=/.test(a)) out.push(a.slice(a.indexOf('=') + 1));
    else if (/^--?token$/.test(a) && argv[i + 1] !== undefined) out.push(argv[i + 1] as string);
  }
  return out;
}

/** `--edge` as given (repeated, comma-joined, or an SRV name): the first edge and all of them. */
async function edgesOf(edge: string): Promise<{ edge: EdgeAddress; edges: EdgeAddress[] }> {
  const edges = await resolveEdgeAddresses(edge);
  return { edge: edges[0] as EdgeAddress, edges };
}
