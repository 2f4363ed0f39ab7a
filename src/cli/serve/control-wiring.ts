import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ControlPlane, createApiServer, ManagementTokens } from '../../control/index.js';
import { EdgeMetrics, ManagementEndpoint, ManagementHub, TailRelay, TunnelRegistry } from '../../edge/index.js';
import { DatabaseMetrics, type Store } from '../../store/index.js';
import { launcherCommand } from '../launcher-command.js';
import { isLoopback, type ServeOptions } from './serve-command.js';

/** The PIN mail settings of ControlPlane.start from `--smtp-url/--smtp-from`; none without a URL. */
export function mailOf(
  smtp: { url: string | undefined; from: string | undefined } | undefined,
  domain: string,
): { mail?: { smtpUrl: string; from: string } } {
  return smtp?.url === undefined ? {} : { mail: { smtpUrl: smtp.url, from: smtp.from ?? `access@${domain}` } };
}

/**
 * The control plane of `warren serve` (one process, or the primary of `--workers N`), from its
 * flags. Nobody but local users reaches a loopback-only edge, so there a full zone may route
 * before its delegation is proven (the README tour); anywhere else it waits for its activation check.
 */
export async function startServeControl(
  options: ServeOptions,
  store: Store,
  logger: Logger,
  own: { edgeName: string; edgeCaPem: string | undefined },
): Promise<{ control: ControlPlane; launcher: string; loopbackOnly: boolean; zoneAutoActivate: boolean }> {
  const loopbackOnly = isLoopback(options.bind);
  const zoneAutoActivate = options.zoneAutoActivate ?? loopbackOnly;
  const launcher = launcherCommand();
  const control = await ControlPlane.start({
    launcher,
    ...mailOf(options.smtp, options.domain),
    store,
    domain: options.domain,
    edgeName: own.edgeName,
    maxTunnelsPerAccount: options.maxTunnelsPerAccount,
    logger,
    edgeCaPem: own.edgeCaPem,
    classicCleanupAfterMs: options.classicDnsCleanupAfterMs,
    verifyResolver: options.verifyResolver,
    zoneAutoActivate,
    pendingZoneExpiryMs: options.pendingZoneExpiryDays * 86_400_000,
  });
  return { control, launcher, loopbackOnly, zoneAutoActivate };
}

/**
 * The API server of a process that holds no links (`warren control`, the primary of `serve
 * --workers N`): `warren tail` on its port gets every event from the edges that hold the links,
 * through the relay (PostgreSQL NOTIFY). `/ready` answers 503 until `setReady(true)`.
 */
export function linklessApi(
  store: Store,
  logger: Logger,
  control: ControlPlane,
): {
  api: FastifyInstance;
  metrics: EdgeMetrics;
  management: ManagementEndpoint;
  tailRelay: TailRelay;
  setReady: (ready: boolean) => void;
} {
  let ready = false;
  const metrics = new EdgeMetrics();
  new DatabaseMetrics(metrics.registry, store.health);
  const api = createApiServer({
    logger,
    ready: () => ready,
    database: store.health,
    metrics: metrics.registry,
    control: control.api(),
  });
  const hub = new ManagementHub(new TunnelRegistry(), logger, metrics.registry);
  const managementTokens = new ManagementTokens(store.secrets, store.clock);
  const management = new ManagementEndpoint({
    hub,
    verify: (token, tunnelId) => managementTokens.verify(token, tunnelId, 'logs'),
    logger,
  });
  api.server.on('upgrade', management.onUpgrade);
  const tailRelay = new TailRelay(hub, store.feed, logger);
  return {
    api,
    metrics,
    management,
    tailRelay,
    setReady: (r) => {
      ready = r;
    },
  };
}
