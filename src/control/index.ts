export { ApiError } from './api-error.js';
export type { ApiCall, ApiRoute, RouteSpec } from './api-route.js';
export { API_PREFIX, type ApiServerOptions, createApiServer } from './api-server.js';
export { type AuditBy, type AuditEvent, audit, byApi } from './audit-trail.js';
export { type BootstrapInput, type BootstrapResult, bootstrapAdmin, DEFAULT_ACCOUNT_NAME } from './bootstrap.js';
export {
  CONNECTION_RECONCILE_INTERVAL_MS,
  CONNECTION_RETRY_MAX_MS,
  CONNECTION_RETRY_MIN_MS,
  ConnectionTracker,
} from './connection-tracker.js';
export { ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export {
  CSRF_HEADER,
  SESSION_COOKIE,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
} from './dashboard-session.js';
export { DashboardBundle, DEFAULT_DASHBOARD_DIR } from './dashboard-static.js';
export { DATABASE_RETRY_AFTER_S, databaseApiError } from './database-api-error.js';
export { dnsNsLookup, type NsLookup } from './delegation-lookup.js';
export { DnsHostRouter } from './dns-host-router.js';
export { globalApiKey } from './global-api-key.js';
export { DEFAULT_MAX_TUNNELS_PER_ACCOUNT, NamedTunnelAuthenticator } from './named-tunnel-authenticator.js';
export { PERMISSION_GROUPS, ROLES, SUPER_ADMIN_ROLE_ID } from './roles.js';
export { issueSetupLink, SETUP_LINK_TTL_MS } from './setup-link.js';
export {
  ADDRESS_LOCKOUT,
  type LockoutPolicy,
  type SignInAttempt,
  type SignInRefusal,
  SignInThrottle,
  SOURCE_LOCKOUT,
} from './sign-in-throttle.js';
export { tunnelTarget } from './tunnel-dns-route.js';
export { MANAGEMENT_TOKEN_TTL_MS, type ManagementClaims, ManagementTokens } from './tunnel-management-token.js';
export { tunnelStatus, tunnelToken } from './tunnel-view.js';
export {
  type AdminActor,
  createUserWithToken,
  listUsers,
  type NewUser,
  type NewUserInput,
  resetPassword,
  roleByName,
  rollUserKey,
  type UserListing,
} from './user-admin.js';
export { serviceNameservers, ZoneDelegationCheck } from './zone-activation.js';
export {
  activateZone,
  assertNoForeignOverlap,
  createOwnedZone,
  moveZone,
  type OwnedZone,
  owningZone,
} from './zone-ownership.js';
export {
  dnsTxtLookup,
  parseResolverAddress,
  type TxtLookup,
  VERIFICATION_LABEL,
  ZONE_VERIFY_RECHECK_MS,
  ZoneVerifier,
} from './zone-verifier.js';
