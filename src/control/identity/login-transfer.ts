import type { LoginTransferRow } from '../../store/index.js';
import { hashToken } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { ControlContext } from '../api/control-context.js';

export const LOGIN_TRANSFER_TTL_MS = 10 * 60_000; // 10 minutes from the first poll or visit to authorize
export const LOGIN_BUNDLE_TTL_MS = 5 * 60_000; // 5 minutes for the CLI to take the ready bundle
export const LOGIN_POLL_MAX_WAIT_MS = 30_000; // 30 seconds: one long poll, then the CLI asks again
/** Expired transfers are deleted this long after they expire (until then a late poll hears "expired"). */
export const LOGIN_TRANSFER_RETAIN_MS = 10 * 60_000; // 10 minutes
/** Transfers one address may hold at once: a person runs `warren login` a few times at most. */
export const LOGIN_TRANSFERS_PER_SOURCE = 10;
/** Transfers kept at once in total: bounds the table whatever the number of addresses. */
export const LOGIN_TRANSFERS_TOTAL = 1000;

/** The CLI's key: 32+ URL-safe characters (it makes 43, i.e. 256 bits). */
export const LOGIN_KEY_PATTERN = '^[A-Za-z0-9_-]{32,128}$';
const KEY = new RegExp(LOGIN_KEY_PATTERN);

export function loginKeyHash(key: string): string {
  if (!KEY.test(key)) {
    throw ApiError.invalid('the login key is malformed; run `warren login` again and open the link it prints');
  }
  return hashToken(key);
}

/** Seconds until a kept transfer that expires at `expiresOn` is swept (at least 1). */
function secondsUntilSwept(ctx: ControlContext, expiresOn: string | undefined): number {
  const at = expiresOn === undefined ? 0 : new Date(expiresOn).getTime() + LOGIN_TRANSFER_RETAIN_MS;
  return Math.max(1, Math.ceil((at - ctx.store.clock.now().getTime()) / 1000));
}

/**
 * Opens a new transfer for `sourceIp`, unless that address (or everyone together) already holds
 * as many as allowed: anyone may call this without credentials, so each call must not cost a
 * permanent row.
 */
async function openTransfer(ctx: ControlContext, keyHash: string, sourceIp: string): Promise<LoginTransferRow> {
  const logins = ctx.store.logins;
  await logins.sweep(LOGIN_TRANSFER_RETAIN_MS);
  const load = await logins.load(sourceIp);
  if (load.fromSource >= LOGIN_TRANSFERS_PER_SOURCE || load.total >= LOGIN_TRANSFERS_TOTAL) {
    const mine = load.fromSource >= LOGIN_TRANSFERS_PER_SOURCE;
    const err = new ApiError(
      'WARREN_LOGIN_TRANSFER_LIMITED',
      mine
        ? `too many \`warren login\` attempts are open from your address (at most ${LOGIN_TRANSFERS_PER_SOURCE}); finish or abandon one, or wait for them to expire`
        : 'too many `warren login` attempts are open on this server; wait a few minutes, or use `warren login --api-token T --zone Z`',
    );
    err.retryAfterSeconds = secondsUntilSwept(ctx, mine ? load.oldestFromSource : load.oldest);
    throw err;
  }
  return logins.open(keyHash, LOGIN_TRANSFER_TTL_MS, sourceIp);
}

/** The transfer (opened for `sourceIp` on first sight), or the error that says why it can no longer be used. */
export async function usableTransfer(ctx: ControlContext, keyHash: string, sourceIp = ''): Promise<LoginTransferRow> {
  const t = (await ctx.store.logins.get(keyHash)) ?? (await openTransfer(ctx, keyHash, sourceIp));
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
