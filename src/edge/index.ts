export { AccessEdge, type AccessEdgeOptions, type AccessVerdict } from './access/access-edge.js';
export type { DashboardHost } from './dashboard-host.js';
export { EdgeCertificates } from './edge-certificates.js';
export { EdgeCluster, type EdgeClusterOptions } from './edge-cluster.js';
export { EdgeMetrics } from './edge-metrics.js';
export {
  DEFAULT_QUICK_TUNNELS_PER_MINUTE,
  DEFAULT_SHUTDOWN_GRACE_MS,
  EdgeServer,
  type EdgeServerOptions,
} from './edge-server.js';
export { errorBody, sendVisitorError, VISITOR_ERRORS, type VisitorError } from './error-page.js';
export { hostOf } from './host-of.js';
export {
  LINK_STALL_PONG_TIMEOUT_MS,
  LINK_STALL_PROBE_AFTER_MS,
  LINK_STALL_TICK_MS,
  type LinkStallTimes,
  LinkStallWatch,
} from './link-stall-watch.js';
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
export { reasonPhrase } from './reason-phrase.js';
export {
  CONNECTION_RECONCILE_INTERVAL_MS,
  CONNECTION_RETRY_MAX_MS,
  CONNECTION_RETRY_MIN_MS,
  ConnectionTracker,
} from './registration/connection-tracker.js';
export { type SharedEdgeCa, sharedEdgeCa, sharedEdgeTls } from './registration/edge-authority.js';
export type { EdgeLink } from './registration/edge-link.js';
export { EDGE_HEARTBEAT_MS, EDGE_SILENT_MS, EdgeMembership } from './registration/edge-membership.js';
export {
  DEFAULT_MAX_TUNNELS_PER_ACCOUNT,
  NamedTunnelAuthenticator,
} from './registration/named-tunnel-authenticator.js';
export {
  QUICK_ACCOUNT_TAG,
  QuickTunnelAuthority,
  type QuickTunnelCredentials,
} from './registration/quick-tunnel-authority.js';
export { type AdmissionRefusal, TunnelAdmission, type TunnelPortLimits } from './registration/tunnel-admission.js';
export { type AuthResult, credentialsRejected, type TunnelAuthenticator } from './registration/tunnel-authenticator.js';
export { TunnelConfigurationPusher } from './registration/tunnel-configuration-pusher.js';
export { TunnelListener } from './registration/tunnel-listener.js';
export {
  DEFAULT_MAX_LINKS_PER_TUNNEL,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  DEFAULT_MAX_QUICK_LINKS,
  DEFAULT_MAX_QUICK_LINKS_PER_SOURCE,
  DEFAULT_TUNNEL_PORT_LIMITS,
  HANDSHAKE_TIMEOUT_MS,
} from './registration/tunnel-port-defaults.js';
export { DnsHostRouter } from './routing/dns-host-router.js';
export { PeerDirectory } from './routing/peer-directory.js';
export { QuickHostRouter } from './routing/quick-host-router.js';
export { TunnelRegistry } from './routing/tunnel-registry.js';
export { TAIL_ANNOUNCE_MS, TailRelay } from './tail-relay.js';
export {
  DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS,
  DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
  type HostRouter,
  VisitorProxy,
} from './visitor-proxy.js';
export * from './zone-edge-settings.js';
