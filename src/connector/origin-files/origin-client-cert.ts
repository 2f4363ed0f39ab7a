import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { IngressError, type OriginClientCert } from '../ingress/index.js';

/**
 * Checks the texts of `originRequest.tlsClientCert` and `tlsClientKey` (read by the connector):
 * a certificate, an unencrypted private key, and the key the certificate was issued for, so a
 * wrong pair is refused when the rules are applied instead of failing every request later.
 * `n`: the rule's number, or undefined for the global originRequest.
 */
export function originClientCertOf(
  cert: { path: string; pem: string },
  key: { path: string; pem: string },
  n: number | undefined,
): OriginClientCert {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert.pem);
  } catch {
    throw new IngressError(
      n,
      `originRequest.tlsClientCert "${cert.path}" holds no PEM certificate`,
      'point it at a file starting with "-----BEGIN CERTIFICATE-----"',
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key.pem);
  } catch {
    // The parser's message is not repeated: it could quote part of the key.
    throw new IngressError(
      n,
      `originRequest.tlsClientKey "${key.path}" holds no unencrypted PEM private key`,
      'point it at a file starting with "-----BEGIN PRIVATE KEY-----" (decrypt it first if it has a passphrase)',
    );
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new IngressError(
      n,
      `originRequest.tlsClientKey "${key.path}" is not the private key of tlsClientCert "${cert.path}"`,
      'point both at the same pair: the key the certificate was issued for',
    );
  }
  return { cert: cert.pem, key: key.pem };
}
