/**
 * Every error that crosses a boundary (CLI, API, wire, visitor) carries a stable code.
 * Codes are listed in docs/errors.md; a test keeps the two in step.
 */
export const ERROR_CODES = {
  WARREN_CONFIG_INVALID: 'A flag, environment variable or config file value is invalid.',
  WARREN_EDGE_UNTRUSTED: "The edge's TLS certificate is not trusted by the connector.",
  WARREN_EDGE_UNREACHABLE: 'The connector could not reach the edge.',
  WARREN_PROTOCOL: 'A peer sent bytes that do not follow the wire protocol.',
  WARREN_PROTOCOL_VERSION: 'The connector and the edge speak different protocol versions.',
  WARREN_AUTH_FAILED: 'The tunnel id or secret was not accepted by the edge.',
  WARREN_QUICK_RATE_LIMITED: 'Too many quick tunnels were requested from one address.',
  WARREN_TUNNEL_LIMIT: 'The account already runs as many tunnels as it may.',
  WARREN_TUNNEL_NOT_FOUND: 'No tunnel with that id exists.',
  WARREN_LINK_CLOSED: 'The edge connection closed.',
  WARREN_HEARTBEAT_TIMEOUT: 'The peer stopped answering heartbeats.',
  WARREN_STREAM_RESET: 'The other side abandoned the stream.',
  WARREN_ORIGIN_UNREACHABLE: 'The origin refused the connection or could not be reached.',
  WARREN_ORIGIN_TIMEOUT: 'The origin did not answer in time.',
  WARREN_ORIGIN_ERROR: 'The origin closed the connection or answered with something that is not HTTP.',
  WARREN_SHUTTING_DOWN: 'The process is shutting down and takes no new work.',
  WARREN_DATABASE: 'The database could not be opened, migrated or reached.',
  WARREN_SECRET_KEY_MISMATCH: "A sealed secret could not be opened with this process's secret key.",
  WARREN_API_UNAUTHORIZED: 'The API request carried no valid credentials.',
  WARREN_API_KEY_ROLLED: "The API token was bound to its user's API key, which has since been rolled.",
  WARREN_API_FORBIDDEN: 'The credentials are valid but lack the permission for this request.',
  WARREN_API_NOT_FOUND: 'The API path or resource does not exist (or belongs to another account).',
  WARREN_API_INVALID: 'The API request body, path or query is invalid.',
  WARREN_API_CONFLICT: 'The request conflicts with an existing resource.',
  WARREN_DNS_RECORD_EXISTS: 'A DNS record with that name already exists.',
  WARREN_ROUTE_APEX: 'A tunnel route was requested for a zone apex.',
  WARREN_ROUTE_FOREIGN_ZONE: "A tunnel route hostname is outside the account's zones.",
  WARREN_TUNNEL_CONNECTED: 'The tunnel still has live connections.',
  WARREN_INGRESS_INVALID: 'An ingress rule (config.yml) cannot work; the message names the rule and what to write.',
  WARREN_ORIGIN_TLS: "The https origin's certificate was not accepted (see caPool, originServerName, noTLSVerify).",
  WARREN_CSR_INVALID: 'A certificate signing request could not be parsed, verified, or does not match request_type.',
  WARREN_CERT_HOSTNAME: 'An origin certificate hostname is outside your zones or is a wildcard deeper than one level.',
  WARREN_CERT_REVOKED: 'The origin certificate (and the cert.pem it belongs to) was revoked.',
  WARREN_LOGIN_EXPIRED: 'The login link or its certificate bundle expired before it was used.',
  WARREN_LOGIN_USED: 'The login key was already used: its certificate bundle is handed out once.',
  WARREN_LOGIN_TRANSFER_LIMITED: 'Too many `warren login` transfers are open from one address (or in total).',
  WARREN_LOGIN_TIMEOUT: 'Nobody authorized the login in the browser in time.',
  WARREN_ORIGIN_CERT_MISSING: 'No cert.pem was found (--origincert, WARREN_ORIGIN_CERT, ~/.warren/cert.pem).',
  WARREN_ORIGIN_CERT_INVALID: 'cert.pem is damaged or was edited: a PEM block is missing or does not parse.',
  WARREN_API_UNREACHABLE: 'The control API could not be reached or did not answer in time.',
  WARREN_FILE_EXISTS: 'A file warren would write already exists and is not overwritten.',
  WARREN_USER_EXISTS: 'A user with that e-mail address already exists.',
  WARREN_USER_NOT_FOUND: 'No user with that e-mail address exists.',
  WARREN_SETUP_LINK_INVALID: 'The first-run setup link is unknown, used, expired, or a user exists already.',
  WARREN_ORIGIN_UNHEALTHY:
    'An origin failed its health check (originRequest.healthCheck); the replica takes no traffic.',
} as const;

export type WarrenErrorCode = keyof typeof ERROR_CODES;

export interface WarrenErrorOptions {
  cause?: unknown;
  /** Connector side: whether trying again (after a backoff) can help. */
  retryable?: boolean;
}

export class WarrenError extends Error {
  readonly code: WarrenErrorCode;
  readonly retryable: boolean;

  constructor(code: WarrenErrorCode, message: string, options: WarrenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WarrenError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isWarrenErrorCode(value: unknown): value is WarrenErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
