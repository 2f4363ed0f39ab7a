import type { ErrorSpec } from './error-spec.js';

/** Codes of the data plane: connector, edge, wire protocol, origins and visitor pages. Part of the one error table (error-table.ts). */
export const TUNNEL_ERRORS = {
  WARREN_EDGE_UNTRUSTED: {
    where: 'connector',
    retryable: false,
    meaning: "The edge's TLS certificate is not signed by a CA the connector trusts.",
    action: "Pass `--edge-ca` with the edge's `<data-dir>/edge-ca.pem`. Not retried.",
  },
  WARREN_EDGE_UNREACHABLE: {
    where: 'connector',
    retryable: true,
    meaning: 'The edge refused or dropped the TCP/TLS connection.',
    action: 'Retried with backoff; check `--edge` and that the edge runs.',
  },
  WARREN_PROTOCOL: {
    where: 'edge, connector',
    retryable: false,
    meaning: 'A peer sent bytes that do not follow the wire protocol.',
    action: 'The link is dropped; others keep working.',
  },
  WARREN_PROTOCOL_VERSION: {
    where: 'edge, connector',
    retryable: false,
    meaning: 'Connector and edge speak different protocol versions.',
    action: 'Upgrade the older side. Not retried.',
  },
  WARREN_AUTH_FAILED: {
    where: 'edge → connector',
    retryable: false,
    meaning:
      'Tunnel credentials rejected: the tunnel does not exist, was deleted, or the secret proof is wrong (one answer for all, so a tunnel id, which is public, tells a stranger nothing); or quick-tunnel credentials come from another edge.',
    action: 'Use the current token / credentials file, or create a new tunnel. Not retried.',
  },
  WARREN_AUTH_UNAVAILABLE: {
    where: 'edge → connector',
    retryable: true,
    meaning:
      'The edge could not check the tunnel credentials: an internal failure (e.g. the database is down), not a verdict on them.',
    action:
      "Nothing: the connector retries with backoff. The edge's log has the cause; check `warren serve` and its database.",
  },
  WARREN_QUICK_RATE_LIMITED: {
    where: 'edge → connector',
    retryable: true,
    meaning: 'Too many quick tunnels were requested from one address.',
    action: 'Wait a minute (retried with backoff) or use a named tunnel.',
  },
  WARREN_QUICK_NAME_TAKEN: {
    where: 'edge → connector',
    retryable: false,
    meaning: "A quick tunnel's hostname is held by another quick tunnel on this edge (names are never reassigned).",
    action: 'Start a new quick tunnel. A new one draws another name by itself.',
  },
  WARREN_TUNNEL_LIMIT: {
    where: 'edge → connector',
    retryable: false,
    meaning: 'The account already runs as many tunnels as it may.',
    action: 'Stop a tunnel or raise `--max-tunnels-per-account`. Not retried.',
  },
  WARREN_TUNNEL_LINK_LIMIT: {
    where: 'edge → connector',
    retryable: true,
    meaning:
      'The tunnel already has as many connections to this edge as one tunnel may (`--tunnel-max-links-per-tunnel`, default 100: 25 replicas of 4 connections).',
    action:
      'Stop a replica or lower `--ha-connections`. The connector retries every 15-30 s and joins when a connection of the tunnel closes.',
  },
  WARREN_QUICK_LINK_LIMIT: {
    where: 'edge → connector',
    retryable: true,
    meaning:
      'Quick tunnels have no account: their connections are bounded per address (`--quick-tunnel-max-links-per-source`, default 256) and on the edge in all (`--quick-tunnel-max-links`, default 4096). One of them is reached.',
    action:
      'Stop a quick tunnel, or run a named tunnel (`warren tunnel create`), which is bounded by its account instead. The connector retries every 15-30 s.',
  },
  WARREN_LINK_CLOSED: {
    where: 'stream reset',
    retryable: true,
    meaning: 'The edge connection closed.',
    action: 'Retried by the connector; the visitor gets a 502 page.',
  },
  WARREN_HEARTBEAT_TIMEOUT: {
    where: 'edge, connector',
    retryable: true,
    meaning: 'The peer stopped answering heartbeats.',
    action: 'The link is dropped and redialed.',
  },
  WARREN_LINK_STALLED: {
    where: 'stream reset',
    retryable: true,
    meaning:
      'The edge stopped waiting on a connection that owed a response and answered no probe for `LINK_STALL_PROBE_AFTER_MS` + `LINK_STALL_PONG_TIMEOUT_MS` (1 s + 1 s): the connector is hung or its network path is.',
    action:
      'Nothing: the edge sends the request again on another connection (idempotent, bodiless requests with no response byte yet) and picks no new request for the stalled connection until it answers again.',
  },
  WARREN_STREAM_RESET: {
    where: 'stream reset',
    retryable: false,
    meaning: 'The other side abandoned the stream (e.g. the visitor went away).',
    action: 'Nothing; the origin request is cancelled.',
  },
  WARREN_ORIGIN_UNREACHABLE: {
    where: 'visitor page',
    status: 502,
    retryable: false,
    meaning: 'The origin refused the connection or could not be resolved.',
    action: 'Start the origin or fix `--url`.',
  },
  WARREN_ORIGIN_TIMEOUT: {
    where: 'visitor page',
    status: 504,
    retryable: false,
    meaning: 'The origin did not connect or answer in time.',
    action: 'Check the origin; see `--connect-timeout`, `--origin-response-timeout`.',
  },
  WARREN_ORIGIN_ERROR: {
    where: 'visitor page',
    status: 502,
    retryable: false,
    meaning: 'The origin closed the connection or sent something that is not HTTP.',
    action: "Check the origin's logs.",
  },
  WARREN_REQUEST_INVALID: {
    where: 'stream reset, visitor page',
    status: 400,
    retryable: false,
    meaning:
      'The connector could not parse one request head (a limit of `src/protocol`, e.g. more than 1000 header fields). Only that request fails; the link stays.',
    action: 'Nothing for the operator; the edge normally refuses such requests with 431 first.',
  },
  WARREN_REQUEST_TIMEOUT: {
    where: 'visitor page, stream reset',
    status: 408,
    retryable: false,
    meaning:
      'A visitor sent no request body bytes for `--request-body-idle-timeout` (100 s); the origin request is cancelled.',
    action:
      'Visitors send bodies without long pauses; raise the flag for clients that pause longer. Counted in `warren_edge_request_body_timeouts_total`.',
  },
  WARREN_SHUTTING_DOWN: {
    where: 'stream reset',
    retryable: true,
    meaning: 'The process is shutting down and takes no new work.',
    action: 'The edge retries bodiless requests on another connection.',
  },
  WARREN_INGRESS_INVALID: {
    where: 'connector, `tunnel ingress validate`',
    retryable: false,
    meaning:
      'An ingress rule in `config.yml` cannot work (no catch-all last, a catch-all before the end, a port or misplaced `*` in a hostname, a bad `path` regex, an unknown service, an impossible `originRequest` value).',
    action: 'The message names the file, line, rule number and what to write instead.',
  },
  WARREN_ORIGIN_TLS: {
    where: 'visitor page',
    status: 502,
    retryable: false,
    meaning:
      "The `https://` (or `unix+tls:`) origin's certificate was not accepted: self-signed, unknown CA, wrong name or expired.",
    action:
      "Point `originRequest.caPool` at the CA's PEM, set `originServerName` to a name in the certificate, or (not recommended) `noTLSVerify: true`.",
  },
  WARREN_ORIGIN_UNHEALTHY: {
    where: 'connector log',
    retryable: false,
    meaning:
      'An origin answered its `originRequest.healthCheck` path with a status outside 200-399 (errors and timeouts log `WARREN_ORIGIN_UNREACHABLE` / `WARREN_ORIGIN_TIMEOUT` / `WARREN_ORIGIN_ERROR`). After `unhealthyThreshold` failures in a row the replica asks the edge for no traffic and `/ready` answers 503; one passing check resumes it.',
    action: 'Fix the origin (or the `path`); check `warren_tunnel_origin_healthy{rule}` on `/metrics`.',
  },
  WARREN_HOST_UNKNOWN: {
    where: 'visitor page',
    status: 404,
    retryable: false,
    meaning: 'No tunnel or route is configured for the Host.',
    action: 'Route the hostname to a tunnel (`warren tunnel route dns`), or check the spelling of the address.',
  },
  WARREN_TUNNEL_NOT_CONNECTED: {
    where: 'visitor page',
    status: 530,
    retryable: false,
    meaning: 'The host points at a tunnel with no live connector.',
    action:
      'The tunnel owner starts the connector again (`warren tunnel run`, or `warren tunnel --url` for a new quick tunnel).',
  },
  WARREN_BAD_REQUEST: {
    where: 'visitor page',
    status: 400,
    retryable: false,
    meaning: 'The request cannot be routed (no Host header, two Host headers, an unusable request target).',
    action: 'Send one Host header and an origin-form or absolute request target.',
  },
  WARREN_HEADERS_TOO_LARGE: {
    where: 'visitor page',
    status: 431,
    retryable: false,
    meaning:
      'The request head has more header fields or bytes than a tunnel carries (`MAX_HEAD_FIELDS`, `MAX_HEAD_BYTES` in `src/protocol`).',
    action: 'Send fewer or smaller header fields.',
  },
  WARREN_COMMAND_UNSUPPORTED: {
    where: '`warren tunnel route lb`, `tunnel route ip`, `tunnel vnet`, `proxy-dns`',
    retryable: false,
    meaning:
      'A cloudflared command warren does not have: warren has no load balancer, no private network routing and no DNS-over-HTTPS proxy.',
    action: 'Route a hostname with `warren tunnel route dns TUNNEL HOST`; see docs/migrating-from-cloudflared.md.',
  },
} as const satisfies Record<string, ErrorSpec>;
