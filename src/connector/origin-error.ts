import { WarrenError, type WarrenErrorCode } from '../errors/index.js';

/** Certificate problems the operator fixes with caPool, originServerName or noTLSVerify. */
const TLS_TRUST_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The code a failed origin request resets its stream with; the edge maps it to the visitor's
 * status (WARREN_ORIGIN_TIMEOUT to 504, the others to 502).
 */
export function originErrorCode(err: Error): WarrenErrorCode {
  if (err instanceof WarrenError) return err.code;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TLS_TRUST_ERRORS.has(code) || code.startsWith('ERR_SSL_') || code === 'EPROTO') return 'WARREN_ORIGIN_TLS';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'ENOENT':
    case 'EACCES':
      return 'WARREN_ORIGIN_UNREACHABLE';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'WARREN_ORIGIN_TIMEOUT';
    default:
      return 'WARREN_ORIGIN_ERROR';
  }
}

/** What went wrong with the origin and what the operator can do about it (for the connector's log). */
export function describeOriginError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused: is the origin running and listening on that port?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the origin host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the origin reset the connection';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'no connection to the origin in time (originRequest.connectTimeout)';
  if (code === 'ENOENT') return 'no unix socket at that path: is the origin running?';
  if (code === 'EACCES') return 'permission denied on the unix socket: run the connector as a user that may open it';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the origin certificate is not valid for that name (${err.message}); set originRequest.originServerName to a name in the certificate`;
  }
  if (TLS_TRUST_ERRORS.has(code)) {
    return `the origin certificate is not trusted (${err.message}); set originRequest.caPool to the PEM of the CA that signed it, or noTLSVerify: true (not recommended)`;
  }
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA/.test(code)) {
    return `the origin refused the TLS handshake (${err.message}); if it requires a client certificate (mTLS), set originRequest.tlsClientCert and tlsClientKey`;
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    return `the TLS handshake with the origin failed (${err.message}); is it really serving https on that port?`;
  }
  return err.message;
}

/**
 * A pooled connection the origin closed while it sat idle: the client cannot know before it
 * writes. A bodiless request that got no answer may go again on a new connection, as Go's
 * transport (cloudflared) does. `reused`: the request went out on a pooled connection.
 */
export function isIdleConnectionFailure(err: Error, reused: boolean): boolean {
  if (!reused) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}
