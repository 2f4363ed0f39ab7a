import type { LoginTransferRow } from '../store/index.js';
import { hashToken } from '../store/index.js';
import { ApiError } from './api-error.js';
import type { ControlContext } from './control-context.js';

export const LOGIN_TRANSFER_TTL_MS = 10 * 60_000; // 10 minutes from the first poll or visit to authorize
export const LOGIN_BUNDLE_TTL_MS = 5 * 60_000; // 5 minutes for the CLI to take the ready bundle
export const LOGIN_POLL_MAX_WAIT_MS = 30_000; // 30 seconds: one long poll, then the CLI asks again

/** The CLI's key: 32+ URL-safe characters (it makes 43, i.e. 256 bits). */
export const LOGIN_KEY_PATTERN = '^[A-Za-z0-9_-]{32,128}$';
const KEY = new RegExp(LOGIN_KEY_PATTERN);

export function loginKeyHash(key: string): string {
  if (!KEY.test(key)) {
    throw ApiError.invalid('the login key is malformed; run `warren login` again and open the link it prints');
  }
  return hashToken(key);
}

/** The transfer, or the error that says why it can no longer be used. */
export async function usableTransfer(ctx: ControlContext, keyHash: string): Promise<LoginTransferRow> {
  const t = await ctx.store.logins.open(keyHash, LOGIN_TRANSFER_TTL_MS);
  if (t.fetched_on !== null) {
    throw new ApiError(
      'WARREN_LOGIN_USED',
      `this login key was already used on ${t.fetched_on} (its cert.pem is handed out once); run \`warren login\` again`,
    );
  }
  if (ctx.store.clock.now().toISOString() >= t.expires_on) {
    throw new ApiError(
      'WARREN_LOGIN_EXPIRED',
      `this login link expired on ${t.expires_on}; run \`warren login\` again and authorize within ${LOGIN_TRANSFER_TTL_MS / 60_000} minutes`,
    );
  }
  return t;
}
