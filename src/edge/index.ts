export { AccessEdge, type AccessEdgeOptions, type AccessVerdict } from './access-edge.js';
export type { EdgeLink } from './edge-link.js';
export { EdgeMetrics } from './edge-metrics.js';
export {
  DEFAULT_QUICK_TUNNELS_PER_MINUTE,
  DEFAULT_SHUTDOWN_GRACE_MS,
  EdgeServer,
  type EdgeServerOptions,
} from './edge-server.js';
export { errorBody, sendVisitorError, VISITOR_ERRORS, type VisitorError } from './error-page.js';
export { hostOf } from './host-of.js';
export { type LinkClaim, LinkQuota, type LinkQuotaLimits } from './link-quota.js';
export { ManagementEndpoint, type ManagementEndpointOptions, TAIL_PING_INTERVAL_MS } from './management-endpoint.js';
export {
  MAX_TAIL_SESSIONS_PER_TUNNEL,
  ManagementHub,
  TAIL_CLIENT_BACKLOG,
  TAIL_RELAY_EVENTS_PER_SECOND,
  type TailClient,
  type TailClientMessage,
  type TailSession,
} from './management-hub.js';
export { QuickHostRouter } from './quick-host-router.js';
export { QUICK_ACCOUNT_TAG, QuickTunnelAuthority, type QuickTunnelCredentials } from './quick-tunnel-authority.js';
export { reasonPhrase } from './reason-phrase.js';
export { type AdmissionRefusal, TunnelAdmission, type TunnelPortLimits } from './tunnel-admission.js';
export { type AuthResult, credentialsRejected, type TunnelAuthenticator } from './tunnel-authenticator.js';
export {
  DEFAULT_MAX_LINKS_PER_TUNNEL,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  DEFAULT_MAX_QUICK_LINKS,
  DEFAULT_MAX_QUICK_LINKS_PER_SOURCE,
  DEFAULT_TUNNEL_PORT_LIMITS,
  HANDSHAKE_TIMEOUT_MS,
  TunnelListener,
} from './tunnel-listener.js';
export { TunnelRegistry } from './tunnel-registry.js';
export {
  DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS,
  DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
  type HostRouter,
  VisitorProxy,
} from './visitor-proxy.js';
