import type { SecureContext } from 'node:tls';

/** Which SNI names the visitor HTTPS listener asks a client certificate of (the Access gate implements it). */
export interface ClientCertificateDemand {
  wantsClientCertificate(servername: string): boolean;
}

type SniAnswer = (err: Error | null, ctx?: SecureContext) => void;
type SniCallback = (servername: string, cb: SniAnswer) => void;

/** The native TLS handle of node's TLSSocket: the one place a server sets verify mode per connection. */
interface VerifyModeHandle {
  setVerifyMode(requestCert: boolean, rejectUnauthorized: boolean): void;
}

function handleOf(socket: unknown): VerifyModeHandle | undefined {
  const handle = (socket as { _handle?: Partial<VerifyModeHandle> } | undefined)?._handle;
  return typeof handle?.setVerifyMode === 'function' ? (handle as VerifyModeHandle) : undefined;
}

/**
 * The listener's SNICallback: picks the certificate (`contextFor`) and, on names with an mTLS rule,
 * asks the visitor for a client certificate without verifying it (`requestCert: true,
 * rejectUnauthorized: false`); the Access gate verifies it against the app's account's CAs alone.
 *
 * Why the handle: node's `requestCert` is one server-wide option, and asking every visitor would
 * make browsers that hold client certificates offer a picker on every hostname. Node calls the
 * SNICallback with the TLSSocket as `this` while OpenSSL reads the ClientHello, before the server
 * sends its CertificateRequest, so setting the verify mode there applies to this connection only
 * (TLS 1.2 and 1.3). Were node ever to stop passing the socket, no certificate is asked for and
 * the gate sees none: certificate rules refuse (fail closed); `mtls-edge-asks-per-sni` catches it.
 */
export function sniWithClientCertificates(
  contextFor: ((servername: string) => SecureContext | undefined) | undefined,
  demand: ClientCertificateDemand | undefined,
): SniCallback {
  return function sni(this: unknown, servername: string, cb: SniAnswer): void {
    try {
      if (demand?.wantsClientCertificate(servername.toLowerCase()) === true) handleOf(this)?.setVerifyMode(true, false);
      cb(null, contextFor?.(servername));
    } catch (err) {
      cb(err as Error);
    }
  };
}
