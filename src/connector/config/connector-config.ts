import type { OriginRequestOverrides, UnvalidatedIngressRule } from '../ingress/index.js';

export type FlagValue = string | number | boolean | readonly string[];

/** A config.yml, parsed and type-checked (its ingress rules not yet validated: see `ingressOf`). */
export interface ConnectorConfig {
  /** The file it came from, as given. */
  source: string;
  tunnel: string | undefined;
  credentialsFile: string | undefined;
  originCert: string | undefined;
  /** undefined when the file has no `ingress` key. */
  ingress: UnvalidatedIngressRule[] | undefined;
  /** Line of each ingress rule in the file (1-based), for messages. */
  ingressLines: number[];
  /** The global `originRequest`. */
  originRequest: OriginRequestOverrides;
  /** CLI flag names set in the file, durations in milliseconds. */
  flags: Record<string, FlagValue>;
  /** Unknown or ignored keys, one readable line each ("config.yml:3: …"). */
  warnings: string[];
}

/** A configuration with nothing set, from `source` (a file, or "the command line"). */
export function emptyConnectorConfig(source: string): ConnectorConfig {
  return {
    source,
    tunnel: undefined,
    credentialsFile: undefined,
    originCert: undefined,
    ingress: undefined,
    ingressLines: [],
    originRequest: {},
    flags: {},
    warnings: [],
  };
}
