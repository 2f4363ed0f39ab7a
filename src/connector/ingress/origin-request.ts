/** Access settings of a rule (cloudflared's `originRequest.access`). */
export interface AccessConfig {
  /** When true, the connector checks `Cf-Access-Jwt-Assertion` itself and answers 403 when it fails. */
  required: boolean;
  teamName: string;
  audTag: readonly string[];
}

/** How the connector talks to one origin: cloudflared's `originRequest`, every value resolved. */
export interface OriginRequestConfig {
  connectTimeoutMs: number;
  tlsTimeoutMs: number;
  tcpKeepAliveMs: number;
  keepAliveConnections: number;
  keepAliveTimeoutMs: number;
  /** Replaces the Host header sent to the origin; the visitor's host goes to X-Forwarded-Host. */
  httpHostHeader: string | undefined;
  /** SNI and certificate name checked on https origins. */
  originServerName: string | undefined;
  /** Send the visitor's hostname as SNI (cloudflared's `matchSNItoHost`). */
  matchSNItoHost: boolean;
  /** Path of a PEM file with CAs trusted for the origin, in addition to the system roots. */
  caPool: string | undefined;
  noTLSVerify: boolean;
  /** Never send a chunked request body: bodies of unknown length are buffered and sent with Content-Length. */
  disableChunkedEncoding: boolean;
  access: AccessConfig | undefined;
}

/** What a config file (or a flag) sets; anything left out falls back to the level above. */
export type OriginRequestOverrides = Partial<OriginRequestConfig>;

/** cloudflared's defaults. */
export const DEFAULT_ORIGIN_REQUEST: Readonly<OriginRequestConfig> = Object.freeze({
  connectTimeoutMs: 30_000, // 30 seconds
  tlsTimeoutMs: 10_000, // 10 seconds
  tcpKeepAliveMs: 30_000, // 30 seconds
  keepAliveConnections: 100,
  keepAliveTimeoutMs: 90_000, // 90 seconds
  httpHostHeader: undefined,
  originServerName: undefined,
  matchSNItoHost: false,
  caPool: undefined,
  noTLSVerify: false,
  disableChunkedEncoding: false,
  access: undefined,
});

/** Global defaults, then a rule's own settings (cloudflared's setConfig). */
export function mergeOriginRequest(base: OriginRequestConfig, overrides: OriginRequestOverrides): OriginRequestConfig {
  const out: OriginRequestConfig = { ...base };
  for (const key of Object.keys(overrides) as (keyof OriginRequestConfig)[]) {
    const v = overrides[key];
    if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
}
