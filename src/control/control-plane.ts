import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SignInThrottle } from '../access/index.js';
import {
  ConnectionTracker,
  DEFAULT_MAX_TUNNELS_PER_ACCOUNT,
  DnsHostRouter,
  type EdgeLink,
  type HostRouter,
  NamedTunnelAuthenticator,
  type TunnelAuthenticator,
  TunnelConfigurationPusher,
} from '../edge/index.js';
import type { OriginCa } from '../pki/index.js';
import type { SecretBox, Store } from '../store/index.js';
import { SYSTEM_TIMERS, type Timers } from '../time/index.js';
import { AccessControl } from './access/access-control.js';
import type { ApiRoute } from './api/api-route.js';
import type { ControlContext } from './api/control-context.js';
import { DashboardBundle, DEFAULT_DASHBOARD_DIR, dashboardFallback } from './api/dashboard-static.js';
import { registerHomePage } from './api/home-page.js';
import { auditLogRoutes } from './audit/audit-log-routes.js';
import { certificatePackRoutes } from './certificates/certificate-pack-routes.js';
import { certificateRoutes } from './certificates/certificate-routes.js';
import { customCertificateRoutes } from './certificates/custom-certificate-routes.js';
import { loadOriginCa } from './certificates/origin-ca-keeper.js';
import { accountRoutes } from './identity/account-routes.js';
import { accountTokenRoutes } from './identity/account-token-routes.js';
import { InviteMailer } from './identity/invite-mailer.js';
import { registerInvitePages } from './identity/invite-pages.js';
import { registerLoginPages } from './identity/login-pages.js';
import { loginRoutes } from './identity/login-routes.js';
import { membershipRoutes } from './identity/membership-routes.js';
import { sessionRoutes } from './identity/session-routes.js';
import { registerSetupPages } from './identity/setup-pages.js';
import { userRoutes } from './identity/user-routes.js';
import { CLASSIC_CLEANUP_INTERVAL_MS, ClassicDnsCleanup } from './jobs/classic-dns-cleanup.js';
import { DEFAULT_PENDING_ZONE_EXPIRY_DAYS } from './jobs/job-defaults.js';
import { PendingZoneExpiry } from './jobs/pending-zone-expiry.js';
import { ZoneDelegationCheck } from './jobs/zone-activation.js';
import { classicTunnelRoutes } from './tunnels/classic-tunnel-routes.js';
import { tunnelConfigurationRoutes } from './tunnels/tunnel-configuration-routes.js';
import { tunnelDnsRoutes } from './tunnels/tunnel-dns-route.js';
import { tunnelManagementRoutes } from './tunnels/tunnel-management-routes.js';
import { tunnelRouteDeleteRoutes } from './tunnels/tunnel-route-delete-routes.js';
import { tunnelRouteListRoutes } from './tunnels/tunnel-route-list-routes.js';
import { tunnelRoutes } from './tunnels/tunnel-routes.js';
import { dnsNsLookup, type NsLookup } from './zones/delegation-lookup.js';
import { dnsRecordBatchRoutes } from './zones/dns-record-batch-routes.js';
import { dnsRecordFileRoutes } from './zones/dns-record-file-routes.js';
import { dnsRecordRoutes } from './zones/dns-record-routes.js';
import { zoneRoutes } from './zones/zone-routes.js';
import { zoneSettingsRoutes } from './zones/zone-settings-routes.js';
import { dnsTxtLookup, type TxtLookup, ZONE_VERIFY_RECHECK_MS, ZoneVerifier } from './zones/zone-verifier.js';

export interface ControlPlaneOptions {
  store: Store;
  /** Service domain (tunnel CNAME targets live under `tunnel.<domain>`). */
  domain: string;
  /** This edge's name, recorded with each connection. */
  edgeName: string;
  maxTunnelsPerAccount?: number;
  logger: Logger;
  /** HOST:PORT connectors dial (written into cert.pem); default 127.0.0.1:7844. */
  edgeAddress?: string | undefined;
  /** The tunnel listener's CA (PEM), served at /client/v4/edge_ca.pem for `warren login`. */
  edgeCaPem?: string | undefined;
  /** `--smtp-url` and sender: member invitations are mailed (else the inviter copies the link). */
  mail?: { smtpUrl: string; from: string } | undefined;
  /** How printed commands start (`warren`, or the launcher's absolute path); default `warren`. */
  launcher?: string | undefined;
  /** Fixed delay before a classic tunnel's DNS records are deleted; default a random point in 24–48 hours. */
  classicCleanupAfterMs?: number | undefined;
  /** Run the classic DNS cleanup sweep on a timer (default true; tests call `dnsCleanup.runOnce()`). */
  classicCleanupTimer?: boolean;
  /** `--verify-resolver` (parsed, `IP:PORT`): where partial zones' TXT records are looked up; default the system's. */
  verifyResolver?: string | undefined;
  /** Replaces the DNS lookup of zone verification altogether (tests of the job's logic). */
  txtLookup?: TxtLookup;
  /**
   * Run the zone verification sweeps on a timer (default true): partial zones' TXT records and
   * full zones' delegation; tests call `zoneVerifier.runOnce()` / `zoneDelegation.runOnce()`.
   */
  zoneVerificationTimer?: boolean;
  /** The timers of the background jobs (DNS cleanup, zone verification, key rotation); default the system's. */
  timers?: Timers | undefined;
  /**
   * Full zones are active as soon as they are created (default false: they stay pending until
   * `PUT /zones/{id}/activation_check` finds their NS records at ns1/ns2.<domain>, or `warren
   * admin activate-zone`). `warren serve` turns it on when it binds loopback only.
   */
  zoneAutoActivate?: boolean;
  /**
   * `--pending-zone-expiry-days` in ms: a pending zone reserves its name this long after it
   * became pending, then it is removed (default 28 days, as Cloudflare).
   */
  pendingZoneExpiryMs?: number;
  /** Run the pending zone expiry sweep on a timer (default true; tests call `pendingZones.runOnce()`). */
  pendingZoneExpiryTimer?: boolean;
  /** Replaces the NS lookup of full zones' activation check (tests). */
  nsLookup?: NsLookup;
  /**
   * The built dashboard (web/dist) served at / on the API port; default the package's own
   * build, `false` for none (then / says how to use the CLI and the API).
   */
  dashboardDir?: string | false;
  /** Run the Access signing key rotation check on a timer (default true; tests call `access.rotation.runOnce()`). */
  accessKeyRotationTimer?: boolean;
}

/**
 * The control plane inside one process: API routes, and the edge's named-tunnel hooks
 * (authenticator, host router, connection callbacks) over one store.
 */
export class ControlPlane {
  readonly routes: readonly ApiRoute[];
  readonly router: DnsHostRouter;
  readonly tracker: ConnectionTracker;
  /** Sends remotely-managed tunnel configurations to this edge's links. */
  readonly configPusher: TunnelConfigurationPusher;
  readonly authenticator: NamedTunnelAuthenticator;
  readonly store: Store;
  readonly originCa: OriginCa;
  readonly dnsCleanup: ClassicDnsCleanup;
  readonly zoneVerifier: ZoneVerifier;
  readonly zoneDelegation: ZoneDelegationCheck;
  readonly pendingZones: PendingZoneExpiry;
  /** Shared by every sign-in form of this process (one budget per address and per source across them). */
  readonly signInThrottle: SignInThrottle;
  readonly access: AccessControl;
  readonly #ctx: ControlContext;
  readonly #dashboard: DashboardBundle | undefined;
  /** Whether a built dashboard is served at / (web/dist exists). */
  get servesDashboard(): boolean {
    return this.#dashboard !== undefined;
  }

  private constructor(options: ControlPlaneOptions, originCa: OriginCa) {
    const { store, logger } = options;
    this.store = store;
    this.signInThrottle = new SignInThrottle(store, 'control');
    const timers = options.timers ?? SYSTEM_TIMERS;
    this.zoneVerifier = new ZoneVerifier(
      store,
      logger,
      options.txtLookup ?? dnsTxtLookup(options.verifyResolver),
      ZONE_VERIFY_RECHECK_MS,
      timers,
    );
    this.zoneDelegation = new ZoneDelegationCheck(
      store,
      logger,
      options.domain,
      options.nsLookup ?? dnsNsLookup(options.verifyResolver),
    );
    const ctx: ControlContext = {
      store,
      domain: options.domain,
      maxTunnelsPerAccount: options.maxTunnelsPerAccount ?? DEFAULT_MAX_TUNNELS_PER_ACCOUNT,
      logger,
      originCa,
      edgeAddress: options.edgeAddress ?? '127.0.0.1:7844',
      edgeCaPem: options.edgeCaPem,
      launcher: options.launcher ?? 'warren',
      inviteMailer: options.mail === undefined ? undefined : new InviteMailer(options.mail.smtpUrl, options.mail.from),
      classicCleanupAfterMs: options.classicCleanupAfterMs,
      dropTunnelLinks: (id, connectorId) => this.tracker.dropTunnel(id, connectorId),
      verifyZone: (zone) => this.zoneVerifier.verify(zone),
      checkDelegation: (zone) => this.zoneDelegation.check(zone),
      zoneAutoActivate: options.zoneAutoActivate ?? false,
      pendingZoneExpiryMs: options.pendingZoneExpiryMs ?? DEFAULT_PENDING_ZONE_EXPIRY_DAYS * 86_400_000,
    };
    this.pendingZones = new PendingZoneExpiry(store, logger, ctx.pendingZoneExpiryMs, timers);
    this.#ctx = ctx;
    this.#dashboard =
      options.dashboardDir === false ? undefined : DashboardBundle.load(options.dashboardDir ?? DEFAULT_DASHBOARD_DIR);
    this.originCa = originCa;
    this.dnsCleanup = new ClassicDnsCleanup(store, logger, CLASSIC_CLEANUP_INTERVAL_MS, timers);
    this.access = new AccessControl(ctx, timers);
    this.routes = [
      ...userRoutes(ctx),
      ...accountRoutes(ctx),
      ...accountTokenRoutes(ctx),
      ...membershipRoutes(ctx),
      ...zoneRoutes(ctx),
      ...dnsRecordFileRoutes(ctx),
      ...dnsRecordBatchRoutes(ctx),
      ...dnsRecordRoutes(ctx),
      ...tunnelRoutes(ctx),
      ...tunnelManagementRoutes(ctx),
      ...tunnelConfigurationRoutes(ctx),
      ...tunnelDnsRoutes(ctx),
      ...auditLogRoutes(ctx),
      ...certificateRoutes(ctx),
      ...customCertificateRoutes(ctx),
      ...certificatePackRoutes(ctx),
      ...zoneSettingsRoutes(ctx),
      ...loginRoutes(ctx),
      ...classicTunnelRoutes(ctx),
      ...tunnelRouteDeleteRoutes(ctx),
      ...this.access.routes,
      ...sessionRoutes(ctx, this.signInThrottle),
      ...tunnelRouteListRoutes(ctx),
    ];
    this.router = new DnsHostRouter(store, options.domain, logger);
    this.tracker = new ConnectionTracker(store, options.edgeName, logger, timers);
    this.configPusher = new TunnelConfigurationPusher(store, logger);
    this.authenticator = new NamedTunnelAuthenticator(store, this.tracker, ctx.maxTunnelsPerAccount);
    // A deleted tunnel (here or on another process) loses its links on this edge.
    this.router.onRefresh(() => this.tracker.dropDeleted((id) => this.router.isLive(id)));
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const cp = new ControlPlane(options, await loadOriginCa(options.store));
    await cp.tracker.start();
    await cp.router.start();
    await cp.configPusher.start();
    if (options.classicCleanupTimer !== false) cp.dnsCleanup.start();
    if (options.zoneVerificationTimer !== false) {
      cp.zoneVerifier.start();
      cp.zoneDelegation.start();
    }
    if (options.accessKeyRotationTimer !== false) cp.access.rotation.start();
    if (options.pendingZoneExpiryTimer !== false) cp.pendingZones.start();
    return cp;
  }

  /** What `EdgeServer` takes for named tunnels. */
  edgeHooks(): {
    named: { authenticator: TunnelAuthenticator; router: HostRouter };
    onRegistered: (link: EdgeLink) => void;
    onUnregistered: (link: EdgeLink) => void;
    onConfigStatus: (link: EdgeLink, payload: Buffer) => void;
  } {
    return {
      named: { authenticator: this.authenticator, router: this.router },
      onRegistered: (link) => {
        this.tracker.registered(link);
        this.configPusher.registered(link);
      },
      onUnregistered: (link) => {
        this.tracker.unregistered(link);
        this.configPusher.unregistered(link);
      },
      onConfigStatus: (link, payload) => this.configPusher.reported(link, payload),
    };
  }

  /** The tunnel listener's address once it is bound (port 0 picks one): what cert.pem tells connectors to dial. */
  setEdgeAddress(address: string): void {
    this.#ctx.edgeAddress = address;
  }

  /** For the API server: routes plus what authenticates callers. */
  api(): {
    routes: readonly ApiRoute[];
    store: Store;
    now: () => Date;
    secrets: SecretBox;
    pages: (app: FastifyInstance) => void;
    fallback?: (req: FastifyRequest, reply: FastifyReply) => boolean;
  } {
    return {
      routes: this.routes,
      store: this.store,
      secrets: this.store.secrets,
      now: () => this.store.clock.now(),
      pages: (app) => {
        registerLoginPages(app, this.#ctx, this.signInThrottle);
        registerHomePage(app, this.#ctx, this.#dashboard);
        registerSetupPages(app, this.#ctx, this.signInThrottle);
        registerInvitePages(app, this.#ctx, this.signInThrottle);
        this.access.registerPages(app);
      },
      ...(this.#dashboard === undefined ? {} : { fallback: dashboardFallback(this.#dashboard) }),
    };
  }

  /** Stops reloading and the background jobs, and waits for queued connection writes. Does not close the store. */
  async close(): Promise<void> {
    this.router.close();
    this.configPusher.close();
    this.#ctx.inviteMailer?.close();
    this.zoneDelegation.stop();
    await Promise.all([
      this.dnsCleanup.stop(),
      this.zoneVerifier.stop(),
      this.access.rotation.stop(),
      this.pendingZones.stop(),
    ]);
    await this.tracker.close();
  }
}
