import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-key.js';

/** Who the token is for: a person signed in through an identity provider, or a service token. */
export type AccessSubject =
  | {
      kind: 'user';
      email: string;
      userId: string;
      country?: string | undefined;
      identityNonce?: string | undefined;
      /** The identity provider of the login (`login_method` rules on single sign-on, `get-identity`). */
      idp?: { id: string; type: string } | undefined;
      /** Claims mapped from the OIDC id token (`claims` of the provider), under `custom` as Cloudflare's. */
      custom?: Readonly<Record<string, unknown>> | undefined;
    }
  | { kind: 'service_token'; clientId: string }
  /** A device with a client certificate from the account's CA (mutual TLS), through a `non_identity` policy. */
  | { kind: 'certificate'; commonName: string };

export interface AccessJwtInput {
  /** `<team>.access.<domain>`: the issuer is `https://<teamDomain>`. */
  teamDomain: string;
  /** The application's AUD tag. */
  aud: string;
  subject: AccessSubject;
  issuedAt: Date;
  /** How long the token is valid (the app's session_duration). */
  ttlSeconds: number;
}

/**
 * Signs an application token with the claims of DESIGN.md §6, as Cloudflare Access does: `aud`
 * is an array holding the app's AUD tag; `type` is `app`; a service token has no `email`, an
 * empty `sub` and its client id as `common_name`; a client certificate (mTLS) likewise, with the
 * certificate's common name as `common_name`.
 */
export async function signAccessJwt(key: SigningKey, input: AccessJwtInput): Promise<string> {
  const iat = Math.floor(input.issuedAt.getTime() / 1000);
  const s = input.subject;
  const claims: Record<string, unknown> =
    s.kind === 'user'
      ? {
          email: s.email,
          type: 'app',
          identity_nonce: s.identityNonce ?? randomBytes(12).toString('base64url'),
          ...(s.country === undefined ? {} : { country: s.country }),
          ...(s.idp === undefined ? {} : { idp: s.idp }),
          ...(s.custom === undefined || Object.keys(s.custom).length === 0 ? {} : { custom: s.custom }),
        }
      : { type: 'app', common_name: s.kind === 'service_token' ? s.clientId : s.commonName, identity_nonce: '' };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setAudience([input.aud])
    .setIssuer(`https://${input.teamDomain}`)
    .setSubject(s.kind === 'user' ? s.userId : '')
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + input.ttlSeconds)
    .sign(key.privateKey);
}

/**
 * The first time (ms) a token may be issued after a `revoke_tokens` at `revokedAt` (ISO): the next
 * whole second, since `iat` has whole seconds and a revocation refuses every `iat` up to it.
 */
export function firstIssueAfter(revokedAt: string): number {
  return (Math.floor(Date.parse(revokedAt) / 1000) + 1) * 1000;
}

/**
 * When a `revoke_tokens` at `now` takes effect: now, or — when the previous revocation was within
 * this second, so tokens issued since carry the next second's `iat` — that next second, so they
 * are refused too.
 */
export function revocationTime(previous: string | null | undefined, now: Date): string {
  if (!previous) return now.toISOString();
  const after = firstIssueAfter(previous);
  return now.getTime() >= after ? now.toISOString() : new Date(after).toISOString();
}
