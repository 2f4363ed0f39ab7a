import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';

const MAX_PEER_CHAIN = 5; // leaf + 4: more is refused later anyway (client-certificate.ts)
const chains = new WeakMap<object, readonly X509Certificate[]>();

interface PeerCertificateSource {
  getPeerCertificate(detailed: true): DetailedPeerCertificate | Record<string, never>;
}

function hasPeerCertificate(socket: object): socket is PeerCertificateSource {
  return typeof (socket as Partial<PeerCertificateSource>).getPeerCertificate === 'function';
}

/**
 * The client certificate chain a visitor's TLS connection presented (leaf first, then the
 * intermediates it sent), parsed once per connection; empty on plain HTTP or without a
 * certificate. Nothing here is trusted yet: `verifyClientCertificate` decides.
 */
export function peerCertificateChain(socket: object): readonly X509Certificate[] {
  const have = chains.get(socket);
  if (have !== undefined) return have;
  const chain: X509Certificate[] = [];
  if (hasPeerCertificate(socket)) {
    const seen = new Set<string>();
    let c: DetailedPeerCertificate | Record<string, never> | undefined = socket.getPeerCertificate(true);
    // A self-signed issuer points at itself: the seen set ends the walk, and the count bounds it.
    while (c !== undefined && 'raw' in c && Buffer.isBuffer(c.raw) && chain.length < MAX_PEER_CHAIN) {
      if (seen.has(c.fingerprint256)) break;
      seen.add(c.fingerprint256);
      try {
        chain.push(new X509Certificate(c.raw));
      } catch {
        break;
      }
      c = c.issuerCertificate;
    }
  }
  chains.set(socket, chain);
  return chain;
}
