import { X509Certificate } from 'node:crypto';
import type { AccessRule } from './access-rule.js';

/** An uploaded certificate authority as the gate keeps it: parsed once per reload. */
export interface TrustedClientCa {
  id: string;
  accountId: string;
  cert: X509Certificate;
}

/** What a verified client certificate tells the policies and the JWT. */
export interface VerifiedClientCertificate {
  /** The subject's common name ('' when it has none: `certificate` rules match, `common_name` ones never). */
  commonName: string;
  /** The CA it chains to. */
  caId: string;
  /** sha256 of the leaf (AB:CD:… as node prints it): one cached JWT per certificate and app. */
  fingerprint256: string;
}

const MAX_CHAIN = 4; // leaf + up to 3 intermediates the client sent; longer chains are refused
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

function currentAt(c: X509Certificate, now: Date): boolean {
  const t = now.getTime();
  return new Date(c.validFrom).getTime() <= t && t <= new Date(c.validTo).getTime();
}

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** A value of node's subject text with its RFC 4514 escapes (`\,`, `\"`, `\C3\A9`) undone. */
function unescapeDn(v: string): string {
  const bytes: number[] = [];
  const chars = Array.from(v);
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === '\\' && i + 1 < chars.length) {
      const hex = `${chars[i + 1]}${chars[i + 2] ?? ''}`;
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
        continue;
      }
      i += 1;
      ch = chars[i] as string;
    }
    bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The subject's common name, unescaped; '' when it has none. */
export function commonNameOf(c: X509Certificate): string {
  const line = c.subject.split('\n').find((l) => l.startsWith('CN='));
  return line === undefined ? '' : unescapeDn(line.slice(3));
}

/**
 * Verifies a client certificate chain (leaf first, then whatever intermediates the client sent)
 * against one account's CAs: every link signed by the next, every certificate current, each
 * intermediate a CA, and the leaf allowed for client authentication when it names its uses.
 * The TLS layer asked for the certificate without verifying it (`rejectUnauthorized: false`), so
 * this is the only check: another account's CA, a stranger's CA or a self-signed leaf get undefined.
 */
export function verifyClientCertificate(
  chain: readonly X509Certificate[],
  cas: readonly TrustedClientCa[],
  now: Date,
): VerifiedClientCertificate | undefined {
  const leaf = chain[0];
  if (leaf === undefined || chain.length > MAX_CHAIN || cas.length === 0) return undefined;
  const uses = leaf.keyUsage; // node names the extended key usage OIDs `keyUsage`
  if (uses !== undefined && uses.length > 0 && !uses.includes(CLIENT_AUTH) && !uses.includes(ANY_EKU)) return undefined;
  let current = leaf;
  const rest = chain.slice(1);
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (!currentAt(current, now)) return undefined;
    const ca = cas.find((c) => currentAt(c.cert, now) && signedBy(current, c.cert));
    if (ca !== undefined) return { commonName: commonNameOf(leaf), caId: ca.id, fingerprint256: leaf.fingerprint256 };
    const next = rest.find((i) => i.ca && signedBy(current, i));
    if (next === undefined) return undefined;
    current = next;
  }
  return undefined;
}

/** Whether a rule list names a client certificate (`certificate`, `common_name`), groups included. */
export function rulesNameCertificate(
  lists: readonly (readonly AccessRule[])[],
  groupRules: (id: string) => readonly (readonly AccessRule[])[] | undefined,
  depth = 0,
): boolean {
  return lists.some((rules) =>
    rules.some((r) => {
      if ('certificate' in r || 'common_name' in r) return true;
      if (!('group' in r) || depth >= 4) return false;
      const g = groupRules(r.group.id);
      return g !== undefined && rulesNameCertificate(g, groupRules, depth + 1);
    }),
  );
}

/** Parses a PEM certificate; undefined when it is not one. */
export function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
