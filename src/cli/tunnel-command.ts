import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConnectorConfig } from '../connector/config/index.js';
import {
  Connector,
  ConnectorMetrics,
  Orchestrator,
  startMetricsServer,
  type TunnelCredentials,
} from '../connector/index.js';
import { WarrenError } from '../errors/index.js';
import { warrenHome } from '../pki/origin-cert-file.js';
import { createLogger, type LoggerOptions } from './logger.js';
import { onReloadSignal, onShutdownSignals } from './shutdown-signals.js';
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

export function parseEdgeAddress(edge: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(edge.trim());
  const port = Number(m?.[3] ?? 7844);
  if (m === null || port < 1 || port > 65535) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `--edge "${edge}": expected HOST:PORT, e.g. 127.0.0.1:7844`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Runs the connector: a quick tunnel (`warren tunnel --url`) or a named one (`warren tunnel run`). */
export async function runTunnel(o: TunnelRunOptions): Promise<void> {
  const logger = createLogger(o.log);
  if (o.url !== undefined && !URL.canParse(o.url)) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `--url "${o.url}" is not a URL: write e.g. http://localhost:3000`);
  }
  const metrics = new ConnectorMetrics();
  const run = new Orchestrator({
    config: o.config ?? loadRunConfig(o.configPath),
    url: o.url,
    connectTimeoutMs: o.connectTimeoutMs,
    quick: o.credentials === undefined,
    originCaRoot: readOriginCaRoot(),
    metrics,
    logger,
  });
  // Rules from a file are reloaded on SIGHUP; without one, SIGHUP keeps its default (exit).
  const stopReload = run.reloadable ? onReloadSignal(() => run.updateIngress()) : () => {};
  const origin = run.origin;
  let announced = false;
  const connector = new Connector({
    edge: parseEdgeAddress(o.edge),
    ca: findEdgeCa(o.edgeCa),
    credentials: o.credentials,
    haConnections: o.haConnections,
    handle: (stream, head) => origin.handle(stream, head),
    logger,
    metrics,
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs, heartbeatTimeoutMs: o.heartbeatMs * 3 } : {}),
    onRegistered: (reg) => {
      if (announced) return;
      announced = true;
      if (reg.quick !== undefined && reg.url !== undefined) {
        process.stdout.write(`Your quick tunnel is ready: ${reg.url}\n  forwarding to ${run.target}\n`);
      } else {
        process.stdout.write(
          `Tunnel ${reg.tunnelId} is connected (edge ${reg.edgeName}), forwarding to ${run.target}\n`,
        );
      }
    },
  });
  // While a health-checked origin fails, the edge sends this replica nothing (the others serve).
  run.health.onChange = (healthy) => (healthy ? connector.resume() : connector.pause());
  run.health.start();
  if (o.metrics !== undefined) {
    const m = await startMetricsServer(o.metrics, {
      metrics,
      readyConnections: () => connector.readyConnections,
      connectorId: connector.connectorId,
      paused: () => connector.paused,
    });
    process.stdout.write(`Metrics server listening on ${m.url}/metrics\n`);
  }
  onShutdownSignals(logger, async () => {
    stopReload();
    run.health.stop();
    await connector.shutdown(o.gracePeriodMs);
    run.close();
  });
  await connector.run();
}
