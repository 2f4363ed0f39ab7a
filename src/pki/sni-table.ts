import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

/** One certificate the visitor HTTPS listener may serve, with its key in clear (unsealed by the caller). */
export interface ServedCertificate {
  id: string;
  /** Names it covers: exact, or one leading `*.` label. Lower case. */
  hosts: readonly string[];
  /** `custom` (uploaded) wins over `acme` for the same name. */
  source: 'custom' | 'acme';
  /** PEM chain, leaf first, and its private key (PEM). */
  cert: string;
  key: string;
  expiresOn: Date;
  /** Lower wins among certificates of one source (Cloudflare's custom certificate `priority`). */
  priority: number;
}

/** The facts of a PEM chain's leaf that the API and the SNI table need. */
export interface LeafFacts {
  /** DNS subject alternative names, lower case. */
  names: string[];
  issuer: string;
  notAfter: Date;
  notBefore: Date;
  /** e.g. `ECDSAWithSHA256`, `SHA256WithRSA`: Cloudflare's `signature` field. */
  signature: string;
}

/** Reads a chain's leaf; throws a TypeError when the text is no PEM certificate. */
export function leafFacts(pem: string): LeafFacts {
  const leaf = new X509Certificate(pem);
  const names = (leaf.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  const ec = leaf.publicKey.asymmetricKeyType === 'ec';
  return {
    names,
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo),
    notBefore: new Date(leaf.validFrom),
    signature: ec ? 'ECDSAWithSHA256' : 'SHA256WithRSA',
  };
}

function better(a: ServedCertificate, b: ServedCertificate): boolean {
  if (a.source !== b.source) return a.source === 'custom';
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.expiresOn.getTime() > b.expiresOn.getTime();
}

/**
 * The visitor HTTPS listener's choice of certificate by SNI: the exact name, then the one-level
 * wildcard (`*.example.com` for `a.example.com`, never for `a.b.example.com`), then the operator's
 * `--https-cert`. Built whole and swapped in by the caller, so a handshake in progress keeps the
 * context it got and a new certificate needs no restart.
 */
export class SniTable {
  readonly #byName = new Map<string, SecureContext>();
  readonly #fallback: SecureContext | undefined;
  /** Certificates that could not be loaded (a key that does not match, bad PEM): id and reason. */
  readonly rejected: { id: string; reason: string }[] = [];

  constructor(certs: readonly ServedCertificate[], now: Date, fallback?: { cert: string; key: string }) {
    this.#fallback = fallback === undefined ? undefined : createSecureContext(fallback);
    const best = new Map<string, ServedCertificate>();
    for (const c of certs) {
      if (c.expiresOn.getTime() <= now.getTime()) continue;
      for (const h of c.hosts) {
        const cur = best.get(h);
        if (cur === undefined || better(c, cur)) best.set(h, c);
      }
    }
    const contexts = new Map<string, SecureContext | undefined>();
    for (const [name, c] of best) {
      if (!contexts.has(c.id)) {
        try {
          contexts.set(c.id, createSecureContext({ cert: c.cert, key: c.key }));
        } catch (err) {
          contexts.set(c.id, undefined);
          this.rejected.push({ id: c.id, reason: (err as Error).message });
        }
      }
      const ctx = contexts.get(c.id);
      if (ctx !== undefined) this.#byName.set(name, ctx);
    }
  }

  /** How many names have a certificate of their own (exact or wildcard). */
  get size(): number {
    return this.#byName.size;
  }

  /** The context for an SNI name; undefined when neither a certificate nor a fallback covers it. */
  contextFor(servername: string | undefined): SecureContext | undefined {
    const name = (servername ?? '').toLowerCase().replace(/\.$/, '');
    if (name !== '') {
      const exact = this.#byName.get(name);
      if (exact !== undefined) return exact;
      const dot = name.indexOf('.');
      if (dot > 0) {
        const wild = this.#byName.get(`*${name.slice(dot)}`);
        if (wild !== undefined) return wild;
      }
    }
    return this.#fallback;
  }
}
