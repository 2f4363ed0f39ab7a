import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';

/**
 * The pin of a certificate: base64 of the SHA-256 of its SubjectPublicKeyInfo (HPKP's form).
 * A tunnel token carries the edge CA's pin so a connector can trust that edge with no CA file.
 */
export function spkiPin(pem: string | Buffer): string {
  return pinOf(new X509Certificate(pem));
}

/**
 * Checks a TLS peer's chain against a pin: some certificate of the chain the edge sent has that
 * SPKI pin, and every certificate below it is signed by the one above and is within its validity
 * dates. Returns what is wrong, or undefined when the chain holds.
 */
export function pinnedChainProblem(
  peer: DetailedPeerCertificate | undefined,
  pin: string,
  now: Date,
): string | undefined {
  if (peer === undefined || peer.raw === undefined) return 'it sent no certificate';
  const chain: X509Certificate[] = [];
  let c: DetailedPeerCertificate | undefined = peer;
  // A self-signed root points at itself; a chain is a handful of certificates at most.
  for (let i = 0; c !== undefined && i < 8; i++) {
    chain.push(new X509Certificate(c.raw));
    const next: DetailedPeerCertificate | undefined = c.issuerCertificate;
    if (next === undefined || next === c || next.fingerprint256 === c.fingerprint256) break;
    c = next;
  }
  const at = chain.findIndex((x) => pinOf(x) === pin);
  if (at < 0) return 'no certificate of its chain has the pinned edge CA key';
  for (let i = 0; i <= at; i++) {
    const x = chain[i] as X509Certificate;
    if (now < new Date(x.validFrom) || now > new Date(x.validTo))
      return `certificate "${x.subject}" is outside its validity dates`;
    if (i < at) {
      const issuer = chain[i + 1] as X509Certificate;
      if (!x.checkIssued(issuer) || !x.verify(issuer.publicKey))
        return `certificate "${x.subject}" is not signed by the next one`;
    }
  }
  return undefined;
}

function pinOf(cert: X509Certificate): string {
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}
