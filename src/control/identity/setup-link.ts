import { randomBytes } from 'node:crypto';
import { WarrenError } from '../../errors/index.js';
import { hashToken, type Repositories, type Store } from '../../store/index.js';

export const SETUP_LINK_TTL_MS = 24 * 3_600_000; // 24 hours: time to open the link printed at start
export const SETUP_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
const SETUP_TOKEN = new RegExp(SETUP_TOKEN_PATTERN);

/**
 * A fresh one-time setup token (the previous unused one stops working). Only its hash is stored;
 * the caller prints the token once as part of the link.
 */
export async function issueSetupLink(store: Store): Promise<{ token: string; expiresOn: string }> {
  const token = randomBytes(32).toString('base64url');
  const row = await store.setupLinks.issue(hashToken(token), SETUP_LINK_TTL_MS);
  return { token, expiresOn: row.expires_on };
}

function invalid(why: string): WarrenError {
  return new WarrenError('WARREN_SETUP_LINK_INVALID', why);
}

const RESTART =
  'restart `warren serve` on the empty data directory for a new link, or create a user with `warren admin create-user`';

/** Throws WARREN_SETUP_LINK_INVALID unless `token` names a usable link and no user exists yet. */
export async function checkSetupLink(store: Repositories, now: Date, token: string): Promise<void> {
  if ((await store.identity.countUsers()) > 0) {
    throw invalid('warren already has an administrator, so the setup link no longer works; sign in instead');
  }
  const row = SETUP_TOKEN.test(token) ? await store.setupLinks.get(hashToken(token)) : undefined;
  if (row === undefined) throw invalid(`this setup link is not known (a newer one replaced it?); ${RESTART}`);
  if (row.used_on !== null) throw invalid(`this setup link was used on ${row.used_on}; ${RESTART}`);
  if (row.expires_on <= now.toISOString()) throw invalid(`this setup link expired on ${row.expires_on}; ${RESTART}`);
}

/** Spends the link inside the transaction that creates the administrator (so two tabs cannot both win). */
export async function spendSetupLink(tx: Repositories, now: Date, token: string): Promise<void> {
  await checkSetupLink(tx, now, token);
  if (!(await tx.setupLinks.use(hashToken(token)))) throw invalid(`this setup link was just used; ${RESTART}`);
}
