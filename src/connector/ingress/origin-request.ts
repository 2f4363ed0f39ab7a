/** Access settings of a rule (cloudflared's `originRequest.access`). */
export interface AccessConfig {
  /** When true, the connector checks `Cf-Access-Jwt-Assertion` itself and answers 403 when it fails. */
  required: boolean;
  teamName: string;
  audTag: readonly string[];
  /**
   * warren's addition: where the team's JWKS is, when the connector cannot reach
   * `https://<team domain>/cdn-cgi/access/certs` by name (a private address, tests on loopback).
   */
  jwksUrl?: string | undefined;
}

/**
 * warren's own `originRequest.healthCheck` (not in cloudflared): the connector GETs `path` on the
 * origin every `intervalMs`; after `unhealthyThreshold` failures in a row it asks the edge to stop
 * sending it traffic, and after one success to resume.
 */
export interface HealthCheckConfig {
  /** URL path (and query) requested, e.g. "/healthz". */
  path: string;
  intervalMs: number;
  /** Per check: connect, TLS, answer and body together. */
  timeoutMs: number;
  unhealthyThreshold: number;
}

/** `healthCheck` as a config file writes it: anything left out comes from the global one, then the defaults. */
export type HealthCheckOverrides = Partial<HealthCheckConfig>;

export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 2_000; // 2 seconds
export const DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD = 2;
/** Shorter intervals would load the origin with checks more than with traffic. */
export const MIN_HEALTH_CHECK_INTERVAL_MS = 100; // 100 milliseconds

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
  /**
   * warren's addition (cloudflared #860): path of a PEM certificate (chain) presented to https
   * origins that ask for a client certificate (mTLS). Set together with `tlsClientKey`.
   */
  tlsClientCert: string | undefined;
  /** Path of the PEM private key of `tlsClientCert`. */
  tlsClientKey: string | undefined;
  /** Never send a chunked request body: bodies of unknown length are buffered and sent with Content-Length. */
  disableChunkedEncoding: boolean;
  access: AccessConfig | undefined;
  /** udp:// rules: a client flow with no datagram either way for this long is closed (warren's addition). */
  udpIdleTimeoutMs: number;
  /** tcp:// rules: send a PROXY protocol header (v1 text, v2 binary) with the visitor's address first. */
  proxyProtocol: 'v1' | 'v2' | undefined;
  /** tcp:// rules: the client names the destination (`Cf-Access-Jump-Destination`), as cloudflared's bastion. */
  bastionMode: boolean;
  /**
   * warren's addition: the destinations a bastion rule may reach, `host:port` or `host:*`; any
   * other is refused. A bastion rule must have at least one (an open relay is never the default).
   */
  bastionDestinations: readonly string[];
  /**
   * Only on http(s) and unix: rules; a global one is not inherited by other kinds. In
   * `Ingress.defaults`: the global one when it is complete by itself, else undefined.
   */
  healthCheck: HealthCheckConfig | undefined;
}

/** What a config file (or a flag) sets; anything left out falls back to the level above. */
export type OriginRequestOverrides = Partial<Omit<OriginRequestConfig, 'healthCheck'>> & {
  healthCheck?: HealthCheckOverrides | undefined;
};

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
  tlsClientCert: undefined,
  tlsClientKey: undefined,
  disableChunkedEncoding: false,
  access: undefined,
  udpIdleTimeoutMs: 60_000, // 60 seconds, as a NAT's UDP mapping lives
  proxyProtocol: undefined,
  bastionMode: false,
  bastionDestinations: [],
  healthCheck: undefined,
});

/**
 * Global defaults, then a rule's own settings (cloudflared's setConfig). `healthCheck` is left as
 * the base's: it is resolved (and checked) field by field where the rule is validated.
 */
export function mergeOriginRequest(base: OriginRequestConfig, overrides: OriginRequestOverrides): OriginRequestConfig {
  const out: OriginRequestConfig = { ...base };
  for (const key of Object.keys(overrides) as (keyof OriginRequestOverrides)[]) {
    if (key === 'healthCheck') continue;
    const v = overrides[key];
    if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
}
