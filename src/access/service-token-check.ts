import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessServiceTokenRow } from '../store/index.js';

/** How long the previous secret keeps working after a rotate, unless the call says otherwise. */
export const SERVICE_TOKEN_ROTATE_GRACE_MS = 24 * 60 * 60_000; // 24 hours

export function hashServiceSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function same(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether `CF-Access-Client-Secret` is valid for this token at `now`: the current secret until
 * the token expires, or the previous one inside its rotation grace period. Secrets are compared
 * by hash in constant time; the secret itself is never stored.
 */
export function serviceSecretValid(row: AccessServiceTokenRow, secret: string, now: Date): boolean {
  const iso = now.toISOString();
  if (row.expires_at !== null && iso >= row.expires_at) return false;
  const h = hashServiceSecret(secret);
  if (same(h, row.secret_hash)) return true;
  return (
    row.previous_secret_hash !== null &&
    row.previous_valid_until !== null &&
    iso < row.previous_valid_until &&
    same(h, row.previous_secret_hash)
  );
}
