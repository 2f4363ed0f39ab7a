import type { Logger } from 'pino';
import type { EdgeLink, HostRouter, TunnelAuthenticator } from '../edge/index.js';
import type { Store } from '../store/index.js';
import { accountRoutes } from './account-routes.js';
import type { ApiRoute } from './api-route.js';
import { auditLogRoutes } from './audit-log-routes.js';
import { ConnectionTracker } from './connection-tracker.js';
import type { ControlContext } from './control-context.js';
import { DnsHostRouter } from './dns-host-router.js';
import { dnsRecordRoutes } from './dns-record-routes.js';
import { DEFAULT_MAX_TUNNELS_PER_ACCOUNT, NamedTunnelAuthenticator } from './named-tunnel-authenticator.js';
import { tunnelDnsRoutes } from './tunnel-dns-route.js';
import { tunnelRoutes } from './tunnel-routes.js';
import { userRoutes } from './user-routes.js';
import { zoneRoutes } from './zone-routes.js';

export interface ControlPlaneOptions {
  store: Store;
  /** Service domain (tunnel CNAME targets live under `tunnel.<domain>`). */
  domain: string;
  /** This edge's name, recorded with each connection. */
  edgeName: string;
  maxTunnelsPerAccount?: number;
  logger: Logger;
}

/**
 * The control plane inside one process: API routes, and the edge's named-tunnel hooks
 * (authenticator, host router, connection callbacks) over one store.
 */
export class ControlPlane {
  readonly routes: readonly ApiRoute[];
  readonly router: DnsHostRouter;
  readonly tracker: ConnectionTracker;
  readonly authenticator: NamedTunnelAuthenticator;
  readonly store: Store;

  private constructor(options: ControlPlaneOptions) {
    const { store, logger } = options;
    this.store = store;
    const ctx: ControlContext = {
      store,
      domain: options.domain,
      maxTunnelsPerAccount: options.maxTunnelsPerAccount ?? DEFAULT_MAX_TUNNELS_PER_ACCOUNT,
      logger,
    };
    this.routes = [
      ...userRoutes(ctx),
      ...accountRoutes(ctx),
      ...zoneRoutes(ctx),
      ...dnsRecordRoutes(ctx),
      ...tunnelRoutes(ctx),
      ...tunnelDnsRoutes(ctx),
      ...auditLogRoutes(ctx),
    ];
    this.router = new DnsHostRouter(store, options.domain, logger);
    this.tracker = new ConnectionTracker(store, options.edgeName, logger);
    this.authenticator = new NamedTunnelAuthenticator(store, this.tracker, ctx.maxTunnelsPerAccount);
    // A deleted tunnel (here or on another process) loses its links on this edge.
    this.router.onRefresh(() => this.tracker.dropDeleted((id) => this.router.isLive(id)));
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const cp = new ControlPlane(options);
    await cp.tracker.start();
    await cp.router.start();
    return cp;
  }

  /** What `EdgeServer` takes for named tunnels. */
  edgeHooks(): {
    named: { authenticator: TunnelAuthenticator; router: HostRouter };
    onRegistered: (link: EdgeLink) => void;
    onUnregistered: (link: EdgeLink) => void;
  } {
    return {
      named: { authenticator: this.authenticator, router: this.router },
      onRegistered: this.tracker.registered,
      onUnregistered: this.tracker.unregistered,
    };
  }

  /** For the API server: routes plus what authenticates callers. */
  api(): { routes: readonly ApiRoute[]; store: Store; now: () => Date } {
    return { routes: this.routes, store: this.store, now: () => this.store.clock.now() };
  }

  /** Stops reloading and waits for queued connection writes. Does not close the store. */
  async close(): Promise<void> {
    this.router.close();
    await this.tracker.idle();
  }
}
