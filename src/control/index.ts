export { tunnelTarget } from '../protocol/index.js';
export { ApiError } from './api/api-error.js';
export type { ApiCall, ApiRoute } from './api/api-route.js';
export { API_PREFIX, type ApiServerOptions, createApiServer } from './api/api-server.js';
export { DashboardBundle, DEFAULT_DASHBOARD_DIR } from './api/dashboard-static.js';
export { DATABASE_RETRY_AFTER_S, databaseApiError } from './api/database-api-error.js';
export { type AuditBy, type AuditEvent, audit, byApi } from './audit/audit-trail.js';
export { ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export {
  type BootstrapInput,
  type BootstrapResult,
  bootstrapAdmin,
  DEFAULT_ACCOUNT_NAME,
} from './identity/bootstrap.js';
export {
  CSRF_HEADER,
  SESSION_COOKIE,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
} from './identity/dashboard-session.js';
export { globalApiKey } from './identity/global-api-key.js';
export { PERMISSION_GROUPS, ROLES, SUPER_ADMIN_ROLE_ID } from './identity/roles.js';
export { issueSetupLink, SETUP_LINK_TTL_MS } from './identity/setup-link.js';
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
} from './identity/user-admin.js';
export { serviceNameservers, ZoneDelegationCheck } from './jobs/zone-activation.js';
export { MANAGEMENT_TOKEN_TTL_MS, type ManagementClaims, ManagementTokens } from './tunnels/tunnel-management-token.js';
export { tunnelStatus, tunnelToken } from './tunnels/tunnel-view.js';
export { dnsNsLookup, type NsLookup } from './zones/delegation-lookup.js';
export { parseResolverAddress } from './zones/resolver-address.js';
export {
  activateZone,
  assertNoForeignOverlap,
  createOwnedZone,
  moveZone,
  type OwnedZone,
  owningZone,
} from './zones/zone-ownership.js';
export {
  dnsTxtLookup,
  type TxtLookup,
  VERIFICATION_LABEL,
  ZONE_VERIFY_RECHECK_MS,
  ZoneVerifier,
} from './zones/zone-verifier.js';
