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
export { QuickHostRouter } from './quick-host-router.js';
export { QUICK_ACCOUNT_TAG, QuickTunnelAuthority, type QuickTunnelCredentials } from './quick-tunnel-authority.js';
export { reasonPhrase } from './reason-phrase.js';
export type { AuthResult, TunnelAuthenticator } from './tunnel-authenticator.js';
export { TunnelRegistry } from './tunnel-registry.js';
export {
  DEFAULT_ORIGIN_RESPONSE_TIMEOUT_MS,
  DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
  type HostRouter,
  VisitorProxy,
} from './visitor-proxy.js';
