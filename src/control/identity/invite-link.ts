import { timingSafeEqual } from 'node:crypto';
import type { AccountRow, Membership, Store, UserRow } from '../../store/index.js';
import type { ControlContext } from '../api/control-context.js';
import { inviteExpiresOn } from './membership.js';
import { roleById } from './roles.js';

/** The page an invitation's link opens (below the API's origin, next to /setup). */
export const INVITE_PATH = '/invite';

/**
 * The token in an invitation's link: the membership id and a MAC (from the server's secret key)
 * over that id and when it was (re)invited, so the link needs no table and cannot be forged. It
 * stops working when the invitation is answered, withdrawn, re-sent (a new `created_on`) or is 7
 * days old.
 */
export function inviteToken(store: Store, m: Pick<Membership, 'id' | 'created_on'>): string {
  return `${m.id}.${macOf(store, m).toString('base64url')}`;
}

/** 2026-12-14T03:20:24.567Z as 2026-12-14 03:20 UTC. */
export function readableTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function inviteLink(base: string, token: string): string {
  return `${base}${INVITE_PATH}?token=${encodeURIComponent(token)}`;
}

function macOf(store: Store, m: Pick<Membership, 'id' | 'created_on'>): Buffer {
  return store.secrets.derive(`member invitation ${m.id} ${m.created_on}`);
}

export interface OpenedInvite {
  membership: Membership;
  user: UserRow;
  account: AccountRow;
}

/** The invitation a token names, while it is the same (re)invitation it was made for; else undefined. */
export async function openInviteToken(store: Store, token: string): Promise<OpenedInvite | undefined> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 64) return undefined;
  const membership = await store.identity.membershipById(token.slice(0, dot));
  if (membership === undefined) return undefined;
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = macOf(store, membership);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
  const [user, account] = await Promise.all([
    store.identity.getUser(membership.user_id),
    store.identity.getAccount(membership.account_id),
  ]);
  if (user === undefined || account === undefined) return undefined;
  return { membership, user, account };
}

/**
 * Mails the invitation's link when serve has `--smtp-url`; the link is also returned to the
 * inviter (who may send it another way, and must without SMTP). A failed mail is logged, never
 * fatal: the invitation stands and the dashboard shows the link.
 */
export async function sendInvitation(
  ctx: ControlContext,
  base: string,
  account: AccountRow,
  membership: Membership,
  user: UserRow,
  invitedBy: string,
): Promise<{ invite_link: string; invite_mailed: boolean }> {
  const link = inviteLink(base, inviteToken(ctx.store, membership));
  const mailer = ctx.inviteMailer;
  if (mailer === undefined) return { invite_link: link, invite_mailed: false };
  try {
    await mailer.send({
      to: user.email,
      accountName: account.name,
      invitedBy,
      roles: membership.roles.map((id) => roleById(id)?.name ?? id),
      link,
      expiresOn: readableTime(inviteExpiresOn(membership)),
    });
    return { invite_link: link, invite_mailed: true };
  } catch (err) {
    ctx.logger.error(
      { accountId: account.id, memberId: membership.id, err: (err as Error).message },
      'the invitation mail failed; the inviter is shown the link instead',
    );
    return { invite_link: link, invite_mailed: false };
  }
}
