// Apart from connector.ts so the CLI's flag definitions (every command's) load no connector code.

export const CONNECTOR_VERSION = '0.1.0';
export const DEFAULT_HA_CONNECTIONS = 4;
