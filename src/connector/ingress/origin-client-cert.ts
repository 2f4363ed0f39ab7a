import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { IngressError } from './ingress-error.js';
import type { OriginClientCert } from './ingress-rule.js';
import type { OriginRequestConfig } from './origin-request.js';

/**
 * Reads `originRequest.tlsClientCert` and `tlsClientKey` when the rules are validated, so a
 * missing file, a key that is not the certificate's or a half-set pair stops the connector at
 * start (naming the file) instead of failing every request later. `n`: the rule's number, or
 * undefined for the global originRequest.
 */
export function readOriginClientCert(o: OriginRequestConfig, n: number | undefined): OriginClientCert | undefined {
  const certPath = o.tlsClientCert;
  const keyPath = o.tlsClientKey;
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    const missing = certPath === undefined ? 'tlsClientCert' : 'tlsClientKey';
    throw new IngressError(
      n,
      `originRequest sets ${missing === 'tlsClientCert' ? 'tlsClientKey' : 'tlsClientCert'} without ${missing}`,
      'set both: tlsClientCert to the PEM certificate and tlsClientKey to its PEM private key',
    );
  }
  const cert = readPem(certPath, 'tlsClientCert', n);
  const key = readPem(keyPath, 'tlsClientKey', n);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new IngressError(
      n,
      `originRequest.tlsClientCert "${certPath}" holds no PEM certificate`,
      'point it at a file starting with "-----BEGIN CERTIFICATE-----"',
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    // The parser's message is not repeated: it could quote part of the key.
    throw new IngressError(
      n,
      `originRequest.tlsClientKey "${keyPath}" holds no unencrypted PEM private key`,
      'point it at a file starting with "-----BEGIN PRIVATE KEY-----" (decrypt it first if it has a passphrase)',
    );
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new IngressError(
      n,
      `originRequest.tlsClientKey "${keyPath}" is not the private key of tlsClientCert "${certPath}"`,
      'point both at the same pair: the key the certificate was issued for',
    );
  }
  return { cert, key };
}

function readPem(path: string, name: string, n: number | undefined): string {
  const file = path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an error';
    throw new IngressError(
      n,
      `originRequest.${name} "${path}" cannot be read (${code})`,
      "write the path of a PEM file the connector's user may read",
    );
  }
}
