import type { WarrenErrorCode } from '../errors/index.js';

/** HTTP status and Cloudflare's numeric error code for each warren code the API answers with. */
const WIRE: Partial<Record<WarrenErrorCode, { status: number; cf: number }>> = {
  WARREN_API_UNAUTHORIZED: { status: 401, cf: 10000 },
  WARREN_API_KEY_ROLLED: { status: 401, cf: 10001 },
  WARREN_API_FORBIDDEN: { status: 403, cf: 9109 },
  WARREN_API_NOT_FOUND: { status: 404, cf: 7003 },
  WARREN_API_INVALID: { status: 400, cf: 1001 },
  WARREN_API_CONFLICT: { status: 409, cf: 1061 },
  WARREN_DNS_RECORD_EXISTS: { status: 400, cf: 81053 },
  WARREN_ROUTE_APEX: { status: 400, cf: 1003 },
  WARREN_ROUTE_FOREIGN_ZONE: { status: 400, cf: 1003 },
  WARREN_TUNNEL_NOT_FOUND: { status: 404, cf: 1003 },
  WARREN_TUNNEL_CONNECTED: { status: 400, cf: 1022 },
  WARREN_CONFIG_INVALID: { status: 400, cf: 1001 },
  WARREN_CSR_INVALID: { status: 400, cf: 1010 },
  WARREN_CERT_HOSTNAME: { status: 400, cf: 1011 },
  WARREN_CERT_REVOKED: { status: 401, cf: 10001 },
  WARREN_LOGIN_EXPIRED: { status: 410, cf: 1100 },
  WARREN_LOGIN_USED: { status: 410, cf: 1101 },
  WARREN_LOGIN_TRANSFER_LIMITED: { status: 429, cf: 10429 },
  WARREN_USER_EXISTS: { status: 409, cf: 1061 },
  WARREN_USER_NOT_FOUND: { status: 404, cf: 7003 },
  WARREN_SETUP_LINK_INVALID: { status: 410, cf: 1100 },
};

/**
 * An API failure: answered as `{success:false, errors:[{code, message, warren_code}]}`.
 * `code` is Cloudflare's numeric code (their clients parse it as an integer); `warren_code`
 * is warren's stable string code, the one to match on (docs/errors.md).
 */
export class ApiError extends Error {
  readonly code: WarrenErrorCode;
  readonly status: number;
  readonly cfCode: number;
  /** Sent as `Retry-After` (seconds) when set: when trying again can succeed. */
  retryAfterSeconds: number | undefined;

  constructor(code: WarrenErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    const wire = WIRE[code] ?? { status: 500, cf: 10002 };
    this.status = status ?? wire.status;
    this.cfCode = wire.cf;
    this.retryAfterSeconds = undefined;
  }

  static notFound(what: string): ApiError {
    return new ApiError(
      'WARREN_API_NOT_FOUND',
      `${what} was not found in an account you can see; list them first to get a valid id`,
    );
  }

  static invalid(message: string): ApiError {
    return new ApiError('WARREN_API_INVALID', message);
  }
}
