export { accessJwtVerifier, CONNECTOR_JWKS_COOLDOWN_MS } from './access-jwt-verifier.js';
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
export { CONNECTOR_VERSION, DEFAULT_HA_CONNECTIONS } from './config/connector-defaults.js';
export { Connector, type ConnectorOptions, DEFAULT_GRACE_PERIOD_MS } from './connector.js';
export { ConnectorLink, type TunnelCredentials } from './connector-link.js';
export { ConnectorMetrics } from './connector-metrics.js';
export { type DiagSource, isLoopbackPeer, scrubSecrets } from './diag-endpoints.js';
export {
  type EdgeAddress,
  isSrvName,
  parseEdgeAddress,
  resolveEdgeAddresses,
  type SrvResolver,
} from './edge-addresses.js';
export {
  HealthMonitor,
  type HealthMonitorOptions,
  type HealthProbe,
  type HealthTarget,
  type HealthTargetState,
} from './health-monitor.js';
export { LogRing } from './log-ring.js';
export { LogTap, type LogTapOptions, MAX_TAP_SESSIONS, TAP_EVENTS_PER_SECOND } from './log-tap.js';
export { type MetricsServerOptions, startMetricsServer } from './metrics-server.js';
export {
  type ConfigurationState,
  Orchestrator,
  type OrchestratorOptions,
  type RemoteConfigOutcome,
} from './orchestrator.js';
export { type LoadOriginFilesOptions, loadOriginFiles, MAX_ORIGIN_FILE_BYTES } from './origin-files/index.js';
export {
  checkOriginHealth,
  healthRequestOf,
  healthTargetsOf,
  type OriginHealthRequest,
} from './origin-health-check.js';
export { OriginProxy, type OriginProxyOptions } from './origin-proxy.js';
export { type SystemFacts, systemFacts } from './system-facts.js';
export { parseCredentialsJson, parseTunnelToken, readCredentialsFile } from './tunnel-credentials.js';
