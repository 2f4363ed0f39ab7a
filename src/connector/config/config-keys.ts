/** The type a config key's value must have. */
/** `path`: a string with a leading `~` expanded to the home directory (cloudflared's homedir.Expand). */
export type ConfigValueType = 'string' | 'path' | 'bool' | 'int' | 'duration' | 'strings';

export interface FlagKey {
  type: ConfigValueType;
  /** false: a cloudflared flag warren accepts in a config file but does not act on (a warning says so). */
  supported: boolean;
}

/**
 * CLI flag names a config file may set (cloudflared lets any flag be a key). Supported ones are
 * defaults for `warren tunnel run`, overridden by the command line and environment.
 */
export const FLAG_KEYS: Readonly<Record<string, FlagKey>> = {
  // warren's connector flags
  url: { type: 'string', supported: true },
  edge: { type: 'strings', supported: true },
  'edge-ca': { type: 'path', supported: true },
  'ha-connections': { type: 'int', supported: true },
  metrics: { type: 'string', supported: true },
  'grace-period': { type: 'duration', supported: true },
  'connect-timeout': { type: 'duration', supported: true },
  'heartbeat-interval': { type: 'duration', supported: true },
  loglevel: { type: 'string', supported: true },
  logfile: { type: 'path', supported: true },
  output: { type: 'string', supported: true },
  token: { type: 'string', supported: true },
  'token-file': { type: 'path', supported: true },
  hostname: { type: 'string', supported: true },
  // cloudflared connector flags warren implements
  retries: { type: 'int', supported: true },
  pidfile: { type: 'path', supported: true },
  'log-directory': { type: 'path', supported: true },
  'transport-loglevel': { type: 'string', supported: true },
  tag: { type: 'strings', supported: true },
  label: { type: 'string', supported: true },
  'edge-ip-version': { type: 'string', supported: true },
  'edge-bind-address': { type: 'string', supported: true },
  'credentials-contents': { type: 'string', supported: true },
  // cloudflared's single-origin flags (apply to --url / url:)
  'hello-world': { type: 'bool', supported: true },
  'unix-socket': { type: 'path', supported: true },
  'proxy-connect-timeout': { type: 'duration', supported: true },
  'proxy-tls-timeout': { type: 'duration', supported: true },
  'proxy-tcp-keepalive': { type: 'duration', supported: true },
  'proxy-keepalive-connections': { type: 'int', supported: true },
  'proxy-keepalive-timeout': { type: 'duration', supported: true },
  'http-host-header': { type: 'string', supported: true },
  'origin-server-name': { type: 'string', supported: true },
  'origin-ca-pool': { type: 'path', supported: true },
  'no-tls-verify': { type: 'bool', supported: true },
  'no-chunked-encoding': { type: 'bool', supported: true },
  'match-sni-to-host': { type: 'bool', supported: true },
  // cloudflared flags that mean nothing here; kept so cloudflared configs run unchanged
  'no-autoupdate': { type: 'bool', supported: false },
  'autoupdate-freq': { type: 'duration', supported: false },
  protocol: { type: 'string', supported: false },
  region: { type: 'string', supported: false },
  'post-quantum': { type: 'bool', supported: false },
  'management-diagnostics': { type: 'bool', supported: false },
  'proxy-dns': { type: 'bool', supported: false },
  'proxy-dns-port': { type: 'int', supported: false },
  'proxy-dns-address': { type: 'string', supported: false },
  'proxy-dns-upstream': { type: 'strings', supported: false },
  'compression-quality': { type: 'int', supported: false },
  'dial-edge-timeout': { type: 'duration', supported: false },
  'rpc-timeout': { type: 'duration', supported: false },
  'write-stream-timeout': { type: 'duration', supported: false },
  'max-edge-addr-retries': { type: 'int', supported: false },
  'quick-service': { type: 'string', supported: false },
  'api-url': { type: 'string', supported: false },
  'lb-pool': { type: 'string', supported: false },
  'use-reconnect-token': { type: 'bool', supported: false },
  'no-tls-verify-edge': { type: 'bool', supported: false },
  'icmpv4-src': { type: 'string', supported: false },
  'icmpv6-src': { type: 'string', supported: false },
  'max-active-flows': { type: 'int', supported: false },
  'dns-resolver-addrs': { type: 'strings', supported: false },
  'is-autoupdated': { type: 'bool', supported: false },
  features: { type: 'strings', supported: false },
  'metrics-update-freq': { type: 'duration', supported: false },
  'heartbeat-count': { type: 'int', supported: false },
  'quic-disable-pmtu-discovery': { type: 'bool', supported: false },
  'quic-connection-level-flow-control-limit': { type: 'int', supported: false },
  'quic-stream-level-flow-control-limit': { type: 'int', supported: false },
  'stdin-control': { type: 'bool', supported: false },
  'trace-output': { type: 'string', supported: false },
  cacert: { type: 'string', supported: false },
  id: { type: 'string', supported: false },
  'api-key': { type: 'string', supported: false },
  'api-email': { type: 'string', supported: false },
  'api-ca-key': { type: 'string', supported: false },
  socks5: { type: 'bool', supported: false },
  'proxy-no-happy-eyeballs': { type: 'bool', supported: false },
  'proxy-connection-timeout': { type: 'duration', supported: false },
  'proxy-expect-continue-timeout': { type: 'duration', supported: false },
  'http2-origin': { type: 'bool', supported: false },
  'management-hostname': { type: 'string', supported: false },
  'service-op-ip': { type: 'string', supported: false },
  ui: { type: 'bool', supported: false },
  'max-fetch-size': { type: 'int', supported: false },
};

/** cloudflared `originRequest` keys with no effect in warren (accepted with a warning). */
export const IGNORED_ORIGIN_REQUEST_KEYS: ReadonlySet<string> = new Set([
  'noHappyEyeballs',
  'http2Origin',
  'proxyAddress',
  'proxyPort',
  'proxyType',
  'ipRules',
]);

/** The known key closest to a misspelt one, if any is close enough to suggest. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
