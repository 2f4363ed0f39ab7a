/**
 * cloudflared's `tunnel` flags (its cmd/cloudflared/tunnel flag table) that warren's own option
 * definitions do not already declare: one table, so that a command line or an environment written
 * for cloudflared runs unchanged. `implemented` flags act; `ignored` ones are accepted and draw one
 * line saying why they do not apply here. This file is the data; cloudflared-argv.ts reads a command
 * line and environment with it.
 */
export interface CloudflaredFlag {
  /** Long name without the dashes. */
  name: string;
  /** Takes a value (`--x V`); false: a boolean switch. */
  value: boolean;
  use: 'implemented' | 'ignored';
  /** cloudflared's environment variable names for it. */
  env: readonly string[];
  /** Shown in --help (implemented) or in the one line an ignored flag draws. */
  help: string;
  /** May be given more than once (values are collected). */
  repeatable?: boolean;
  /** Only on these commands (default: every connector command, `tunnel` and `tunnel run`). */
  only?: 'run';
}

const AUTOUPDATE = 'warren does not update itself; update it with npm (see `warren update`)';
const PROTOCOL = "the edge link is always warren's own protocol over TLS";
const NOT_HERE = 'warren has no such feature';

export const CLOUDFLARED_FLAGS: readonly CloudflaredFlag[] = [
  // implemented
  {
    name: 'pidfile',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_PIDFILE'],
    help: 'write the pid here once connected',
  },
  {
    name: 'retries',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_RETRIES'],
    help: 'give up after this many failed dials in a row (default: retry forever)',
  },
  {
    name: 'tag',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_TAG'],
    repeatable: true,
    help: 'KEY=VALUE tag of this connector, shown in its /ready and its logs (repeatable)',
  },
  {
    name: 'label',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_LABEL'],
    help: 'a label for this connector (logs, /ready)',
  },
  {
    name: 'edge-ip-version',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_EDGE_IP_VERSION'],
    help: 'IP version used to reach the edge: 4, 6 or auto',
  },
  {
    name: 'edge-bind-address',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_EDGE_BIND_ADDRESS'],
    help: 'local IP address edge connections are made from',
  },
  {
    name: 'max-fetch-size',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_MAX_FETCH_SIZE'],
    help: 'most results a listing fetches from the API',
  },
  {
    name: 'log-directory',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_LOGDIRECTORY'],
    help: 'append logs to warren.log in this directory',
  },
  {
    name: 'transport-loglevel',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_PROTO_LOGLEVEL', 'TUNNEL_TRANSPORT_LOGLEVEL'],
    help: 'level of the edge-link logs (default: --loglevel)',
  },
  {
    name: 'credentials-contents',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_CRED_CONTENTS'],
    only: 'run',
    help: 'the tunnel credentials JSON itself, instead of --credentials-file',
  },
  // cloudflared's single-origin flags: they set the originRequest of --url
  {
    name: 'hello-world',
    value: false,
    use: 'implemented',
    env: ['TUNNEL_HELLO_WORLD'],
    help: 'serve the built-in hello world origin',
  },
  {
    name: 'unix-socket',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_UNIX_SOCKET'],
    help: 'origin on this unix socket',
  },
  {
    name: 'no-tls-verify',
    value: false,
    use: 'implemented',
    env: ['NO_TLS_VERIFY'],
    help: "do not verify the origin's certificate",
  },
  {
    name: 'http-host-header',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_HTTP_HOST_HEADER'],
    help: 'Host header sent to the origin',
  },
  {
    name: 'origin-server-name',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_ORIGIN_SERVER_NAME'],
    help: "name checked against the origin's certificate",
  },
  {
    name: 'origin-ca-pool',
    value: true,
    use: 'implemented',
    env: ['TUNNEL_ORIGIN_CA_POOL'],
    help: "PEM of CAs trusted for the origin's certificate",
  },
  { name: 'proxy-connect-timeout', value: true, use: 'implemented', env: [], help: 'origin TCP connect timeout' },
  { name: 'proxy-tls-timeout', value: true, use: 'implemented', env: [], help: 'origin TLS handshake timeout' },
  { name: 'proxy-tcp-keepalive', value: true, use: 'implemented', env: [], help: 'origin TCP keepalive interval' },
  {
    name: 'proxy-keepalive-connections',
    value: true,
    use: 'implemented',
    env: [],
    help: 'idle origin connections kept',
  },
  {
    name: 'proxy-keepalive-timeout',
    value: true,
    use: 'implemented',
    env: [],
    help: 'how long an idle origin connection is kept',
  },
  {
    name: 'no-chunked-encoding',
    value: false,
    use: 'implemented',
    env: ['TUNNEL_NO_CHUNKED_ENCODING'],
    help: 'send origin requests without chunked transfer encoding',
  },
  // accepted, with one line saying why they do not apply
  { name: 'no-autoupdate', value: false, use: 'ignored', env: ['NO_AUTOUPDATE'], help: AUTOUPDATE },
  { name: 'autoupdate-freq', value: true, use: 'ignored', env: [], help: AUTOUPDATE },
  { name: 'is-autoupdated', value: false, use: 'ignored', env: [], help: AUTOUPDATE },
  { name: 'protocol', value: true, use: 'ignored', env: ['TUNNEL_TRANSPORT_PROTOCOL'], help: PROTOCOL },
  { name: 'post-quantum', value: false, use: 'ignored', env: ['TUNNEL_POST_QUANTUM'], help: PROTOCOL },
  {
    name: 'region',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_REGION'],
    help: 'warren has one edge; pick it with --edge',
  },
  {
    name: 'management-diagnostics',
    value: false,
    use: 'ignored',
    env: ['TUNNEL_MANAGEMENT_DIAGNOSTICS'],
    help: 'warren has no remote management endpoint',
  },
  { name: 'icmpv4-src', value: true, use: 'ignored', env: ['TUNNEL_ICMPV4_SRC'], help: 'warren does not proxy ICMP' },
  { name: 'icmpv6-src', value: true, use: 'ignored', env: ['TUNNEL_ICMPV6_SRC'], help: 'warren does not proxy ICMP' },
  {
    name: 'max-active-flows',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_MAX_ACTIVE_FLOWS'],
    help: 'warren has no private network routing',
  },
  {
    name: 'dns-resolver-addrs',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_DNS_RESOLVER_ADDRS'],
    help: 'warren has no private network routing',
  },
  { name: 'features', value: true, use: 'ignored', env: [], help: 'warren has no feature switches', repeatable: true },
  {
    name: 'metrics-update-freq',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_METRICS_UPDATE_FREQ'],
    help: 'metrics are read when scraped',
  },
  {
    name: 'heartbeat-count',
    value: true,
    use: 'ignored',
    env: [],
    help: 'a link is dropped after three missed heartbeats',
  },
  { name: 'max-edge-addr-retries', value: true, use: 'ignored', env: [], help: 'warren dials the one --edge address' },
  { name: 'rpc-timeout', value: true, use: 'ignored', env: [], help: PROTOCOL },
  { name: 'write-stream-timeout', value: true, use: 'ignored', env: ['TUNNEL_STREAM_WRITE_TIMEOUT'], help: PROTOCOL },
  {
    name: 'quic-disable-pmtu-discovery',
    value: false,
    use: 'ignored',
    env: ['TUNNEL_DISABLE_QUIC_PMTU'],
    help: PROTOCOL,
  },
  {
    name: 'quic-connection-level-flow-control-limit',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_QUIC_CONN_LEVEL_FLOW_CONTROL_LIMIT'],
    help: PROTOCOL,
  },
  {
    name: 'quic-stream-level-flow-control-limit',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_QUIC_STREAM_LEVEL_FLOW_CONTROL_LIMIT'],
    help: PROTOCOL,
  },
  { name: 'compression-quality', value: true, use: 'ignored', env: ['TUNNEL_COMPRESSION_LEVEL'], help: PROTOCOL },
  { name: 'use-reconnect-token', value: false, use: 'ignored', env: ['TUNNEL_USE_RECONNECT_TOKEN'], help: PROTOCOL },
  {
    name: 'dial-edge-timeout',
    value: true,
    use: 'ignored',
    env: ['DIAL_EDGE_TIMEOUT'],
    help: 'the edge dial timeout is fixed',
  },
  { name: 'stdin-control', value: false, use: 'ignored', env: ['STDIN_CONTROL'], help: NOT_HERE },
  { name: 'ui', value: false, use: 'ignored', env: [], help: NOT_HERE },
  { name: 'quick-service', value: true, use: 'ignored', env: [], help: 'quick tunnels come from --edge' },
  { name: 'trace-output', value: true, use: 'ignored', env: ['TUNNEL_TRACE_OUTPUT'], help: NOT_HERE },
  { name: 'management-hostname', value: true, use: 'ignored', env: ['TUNNEL_MANAGEMENT_HOSTNAME'], help: NOT_HERE },
  { name: 'service-op-ip', value: true, use: 'ignored', env: ['TUNNEL_SERVICE_OP_IP'], help: NOT_HERE },
  { name: 'cacert', value: true, use: 'ignored', env: ['TUNNEL_CACERT'], help: "the edge's CA is --edge-ca" },
  { name: 'id', value: true, use: 'ignored', env: ['TUNNEL_ID'], help: 'connector ids are chosen at start' },
  { name: 'lb-pool', value: true, use: 'ignored', env: ['TUNNEL_LB_POOL'], help: 'warren has no load balancer' },
  { name: 'api-key', value: true, use: 'ignored', env: ['TUNNEL_API_KEY'], help: 'warren authenticates with cert.pem' },
  {
    name: 'api-email',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_API_EMAIL'],
    help: 'warren authenticates with cert.pem',
  },
  {
    name: 'api-ca-key',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_API_CA_KEY'],
    help: 'warren authenticates with cert.pem',
  },
  { name: 'api-url', value: true, use: 'ignored', env: ['TUNNEL_API_URL'], help: 'the API comes from cert.pem' },
  { name: 'socks5', value: false, use: 'ignored', env: ['TUNNEL_SOCKS'], help: NOT_HERE },
  { name: 'proxy-no-happy-eyeballs', value: false, use: 'ignored', env: [], help: NOT_HERE },
  {
    name: 'proxy-connection-timeout',
    value: true,
    use: 'ignored',
    env: [],
    help: 'deprecated in cloudflared; no effect',
  },
  {
    name: 'proxy-expect-continue-timeout',
    value: true,
    use: 'ignored',
    env: [],
    help: 'deprecated in cloudflared; no effect',
  },
  {
    name: 'http2-origin',
    value: false,
    use: 'ignored',
    env: ['TUNNEL_ORIGIN_ENABLE_HTTP2'],
    help: 'origins are spoken to in HTTP/1.1',
  },
  { name: 'proxy-dns', value: false, use: 'ignored', env: ['TUNNEL_DNS'], help: 'warren has no DNS-over-HTTPS proxy' },
  {
    name: 'proxy-dns-port',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_DNS_PORT'],
    help: 'warren has no DNS-over-HTTPS proxy',
  },
  {
    name: 'proxy-dns-address',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_DNS_ADDRESS'],
    help: 'warren has no DNS-over-HTTPS proxy',
  },
  {
    name: 'proxy-dns-upstream',
    value: true,
    use: 'ignored',
    env: ['TUNNEL_DNS_UPSTREAM'],
    repeatable: true,
    help: 'warren has no DNS-over-HTTPS proxy',
  },
];

/**
 * cloudflared environment names of options warren declares itself, by warren's name. WARREN_*
 * wins when both are set. TUNNEL_TOKEN and TUNNEL_TOKEN_FILE are read by `tunnel run` itself.
 */
export const CLOUDFLARED_ENV_OF_WARREN_ENV: Readonly<Record<string, readonly string[]>> = {
  WARREN_ORIGIN_CERT: ['TUNNEL_ORIGIN_CERT'],
  WARREN_TUNNEL_CRED_FILE: ['TUNNEL_CRED_FILE'],
  WARREN_METRICS: ['TUNNEL_METRICS'],
  WARREN_LOGLEVEL: ['TUNNEL_LOGLEVEL'],
  WARREN_LOGFILE: ['TUNNEL_LOGFILE'],
  WARREN_URL: ['TUNNEL_URL'],
  WARREN_EDGE: ['TUNNEL_EDGE'],
  WARREN_HOSTNAME: ['TUNNEL_HOSTNAME'],
  WARREN_GRACE_PERIOD: ['TUNNEL_GRACE_PERIOD'],
  WARREN_TUNNEL_NAME: ['TUNNEL_NAME'],
  WARREN_TUNNEL_CREATE_SECRET: ['TUNNEL_CREATE_SECRET'],
  WARREN_TUNNEL_LIST_SORT_BY: ['TUNNEL_LIST_SORT_BY'],
  WARREN_TUNNEL_LIST_INVERT_SORT: ['TUNNEL_LIST_INVERT_SORT'],
  WARREN_TUNNEL_INFO_SORT_BY: ['TUNNEL_INFO_SORT_BY'],
  WARREN_TUNNEL_INFO_INVERT_SORT: ['TUNNEL_INFO_INVERT_SORT'],
  WARREN_TUNNEL_CLEANUP_CONNECTOR: ['TUNNEL_CLEANUP_CONNECTOR'],
  WARREN_FORCE_PROVISIONING_DNS: ['TUNNEL_FORCE_PROVISIONING_DNS'],
  WARREN_OVERWRITE_DNS: ['TUNNEL_FORCE_PROVISIONING_DNS'],
  ...Object.fromEntries(CLOUDFLARED_FLAGS.filter((f) => f.env.length > 0).map((f) => [warrenEnvOf(f.name), f.env])),
};

/** WARREN_EDGE_IP_VERSION for edge-ip-version. */
export function warrenEnvOf(name: string): string {
  return `WARREN_${name.toUpperCase().replaceAll('-', '_')}`;
}
