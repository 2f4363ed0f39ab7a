export { ConfigErrors, type ConfigProblem } from './config-errors.js';
export {
  type ConfigSearch,
  defaultConfigPaths,
  findConfigFile,
  ingressErrorIn,
  ingressOf,
  loadConfigFile,
  parseConfig,
  singleOriginOverrides,
} from './config-file.js';
export { type ConfigValueType, FLAG_KEYS, type FlagKey } from './config-keys.js';
export { type ConnectorConfig, emptyConnectorConfig, type FlagValue } from './connector-config.js';
export { type DurationOptions, parseDurationMs } from './duration.js';
export { expandHome, homeFormProblem } from './expand-home.js';
export { parseRemoteConfig, type RemoteConfig } from './remote-config.js';
