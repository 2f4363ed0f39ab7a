import { timingSafeEqual } from 'node:crypto';
import type { SecretBox, UserRow } from '../../store/index.js';

const GLOBAL_API_KEY_LENGTH = 37; // hex digits, as Cloudflare's global API keys

/**
 * A user's global API key (Cloudflare's legacy `X-Auth-Email` + `X-Auth-Key`): derived from the
 * deployment's secret key, the user and their API key generation, so it is never stored and
 * changes whenever the key is rolled (a role or membership change, `warren admin roll-key`).
 */
export function globalApiKey(secrets: SecretBox, user: Pick<UserRow, 'id' | 'api_key_generation'>): string {
  return secrets
    .derive(`global-api-key:${user.id}:${user.api_key_generation}`)
    .toString('hex')
    .slice(0, GLOBAL_API_KEY_LENGTH);
}

/** Compares a presented key with the user's current one in constant time. */
export function isGlobalApiKey(
  secrets: SecretBox,
  user: Pick<UserRow, 'id' | 'api_key_generation'>,
  presented: string,
): boolean {
  const want = Buffer.from(globalApiKey(secrets, user));
  const got = Buffer.from(presented);
  return got.length === want.length && timingSafeEqual(got, want);
}
