/**
 * The claims of a warren (and Cloudflare) Access application token. For a service token there is
 * no `email`, `sub` is empty and `common_name` is the token's client id.
 *
 * @example
 * ```ts
 * import type { AccessJwtClaims } from 'warren/verify';
 *
 * const who = (c: AccessJwtClaims): string => c.email ?? `service token ${c.common_name}`;
 * ```
 */
export interface AccessJwtClaims {
  /** Holds the application's AUD tag. */
  aud: string[];
  email?: string;
  exp: number;
  iat: number;
  nbf?: number;
  /** `https://<team>.access.<domain>` */
  iss: string;
  type: string;
  /** The user's id; empty for a service token. */
  sub: string;
  identity_nonce?: string;
  country?: string;
  /** A service token's client id. */
  common_name?: string;
}

/** Reads verified claims into their typed shape; undefined when one has the wrong type. */
export function readAccessClaims(p: Record<string, unknown>): AccessJwtClaims | undefined {
  const aud = typeof p.aud === 'string' ? [p.aud] : p.aud;
  if (!Array.isArray(aud) || !aud.every((a): a is string => typeof a === 'string')) return undefined;
  if (typeof p.exp !== 'number' || typeof p.iat !== 'number' || typeof p.iss !== 'string') return undefined;
  const sub = p.sub ?? '';
  const type = p.type ?? 'app';
  if (typeof sub !== 'string' || typeof type !== 'string') return undefined;
  const out: AccessJwtClaims = { aud, exp: p.exp, iat: p.iat, iss: p.iss, type, sub };
  for (const k of ['email', 'identity_nonce', 'country', 'common_name'] as const) {
    const v = p[k];
    if (v === undefined) continue;
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  if (p.nbf !== undefined) {
    if (typeof p.nbf !== 'number') return undefined;
    out.nbf = p.nbf;
  }
  return out;
}
