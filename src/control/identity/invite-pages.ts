import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SignInThrottle } from '../../access/index.js';
import type { ControlContext } from '../api/control-context.js';
import { SIGN_IN_PATH } from '../api/home-page.js';
import { acceptForms, esc, formField, htmlPage } from '../api/html-page.js';
import { rolesOf } from './account-routes.js';
import { INVITE_PATH, type OpenedInvite, openInviteToken, readableTime } from './invite-link.js';
import { answerInvite, inviteExpired, inviteExpiresOn } from './membership.js';
import { throttledPage } from './sign-in-audit.js';
import { checkPassword, MIN_PASSWORD_LENGTH } from './user-admin.js';

const TITLE = 'Join an account';
const REFUSALS = 'invitation links or passwords from your network';

/** A person invited by address only has no password yet: the page has them choose one. */
function isNewUser(i: OpenedInvite): boolean {
  return i.user.invited_only === 1;
}

function inviteForm(token: string, i: OpenedInvite, error: string | undefined): string {
  const roles = rolesOf(i.membership)
    .map((r) => r.name)
    .join(', ');
  const fresh = isNewUser(i);
  return (
    `<p><strong>${esc(i.membership.invited_by ?? 'An administrator')}</strong> invited <strong>${esc(i.user.email)}</strong> ` +
    `to the account <strong>${esc(i.account.name)}</strong> as ${esc(roles)}.</p>` +
    `<p>The invitation can be accepted until ${esc(readableTime(inviteExpiresOn(i.membership)))}.</p>` +
    (error === undefined ? '' : `<p class="err" role="alert">${esc(error)}</p>`) +
    `<form method="post" action="${INVITE_PATH}">` +
    `<input type="hidden" name="token" value="${esc(token)}">` +
    `<input type="hidden" name="email" value="${esc(i.user.email)}" autocomplete="username">` +
    (fresh
      ? `<label>Choose a password (at least ${MIN_PASSWORD_LENGTH} characters) <input type="password" name="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></label>` +
        `<label>Repeat the password <input type="password" name="confirm" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></label>`
      : '<label>Your password <input type="password" name="password" required autocomplete="current-password"></label>') +
    `<button type="submit">${fresh ? 'Set password and join' : 'Accept invitation'}</button></form>`
  );
}

/**
 * The page an invitation's mailed (or copied) link opens: a person new to warren chooses a
 * password, an existing user confirms with theirs; either way the invitation is accepted and the
 * next step is the dashboard's sign-in. Wrong links and passwords count against the source like
 * failed sign-ins.
 */
export function registerInvitePages(app: FastifyInstance, ctx: ControlContext, throttle: SignInThrottle): void {
  const { store } = ctx;
  const unusable = async (reply: FastifyReply, ip: string, why: string, status = 410): Promise<FastifyReply> => {
    const lockout = await throttle.failed({ source: ip });
    if (lockout !== undefined) return throttledPage(reply, lockout, TITLE, REFUSALS);
    return htmlPage(
      reply,
      status,
      'This invitation link cannot be used',
      `<p class="err" role="alert">${esc(why)}</p><p><a href="${SIGN_IN_PATH}">Sign in to warren</a></p>`,
    );
  };
  /** The pending, unexpired invitation of the token, or the page that says why not. */
  const open = async (reply: FastifyReply, ip: string, token: string): Promise<OpenedInvite | FastifyReply> => {
    const i = await openInviteToken(store, token);
    if (i === undefined) {
      return unusable(
        reply,
        ip,
        'The link is not a current invitation: it was withdrawn, sent again (use the newest mail), or copied incompletely. Ask the account administrator to invite you again.',
      );
    }
    if (i.membership.status !== 'pending') {
      return htmlPage(
        reply,
        409,
        TITLE,
        `<p role="status">This invitation was already ${esc(i.membership.status)}.</p><p><a href="${SIGN_IN_PATH}">Sign in to warren</a></p>`,
      );
    }
    if (inviteExpired(i.membership, store.clock.now())) {
      return htmlPage(
        reply,
        410,
        TITLE,
        `<p class="err" role="alert">${esc(`This invitation expired on ${inviteExpiresOn(i.membership)} (invitations are valid for 7 days). Ask the account administrator to invite you again. (WARREN_INVITE_EXPIRED)`)}</p>`,
      );
    }
    return i;
  };

  void app.register(async (scope) => {
    acceptForms(scope);

    scope.get(INVITE_PATH, async (req, reply) => {
      const refusal = await throttle.check({ source: req.ip });
      if (refusal !== undefined) return throttledPage(reply, refusal, TITLE, REFUSALS);
      const token = formField(req.query, 'token');
      const i = await open(reply, req.ip, token);
      if (!('membership' in i)) return i;
      return htmlPage(reply, 200, TITLE, inviteForm(token, i, undefined));
    });

    scope.post(INVITE_PATH, async (req, reply) => {
      const token = formField(req.body, 'token');
      const refusal = await throttle.check({ source: req.ip });
      if (refusal !== undefined) return throttledPage(reply, refusal, TITLE, REFUSALS);
      const i = await open(reply, req.ip, token);
      if (!('membership' in i)) return i;
      const attempt = { source: req.ip, address: i.user.email };
      const password = formField(req.body, 'password');
      if (isNewUser(i)) {
        try {
          checkPassword(password);
          if (formField(req.body, 'confirm') !== password) throw new TypeError('the two passwords differ');
        } catch (err) {
          const why = err instanceof TypeError ? err.message : 'the password cannot be used';
          return htmlPage(reply, 400, TITLE, inviteForm(token, i, `${why[0]?.toUpperCase()}${why.slice(1)}.`));
        }
        await store.identity.claimInvitedUser(i.user.id, password);
      } else {
        const addressRefusal = await throttle.check(attempt);
        if (addressRefusal !== undefined) return throttledPage(reply, addressRefusal, TITLE, REFUSALS);
        if (!(await store.identity.checkPassword(i.user, password))) {
          const lockout = await throttle.failed(attempt);
          if (lockout !== undefined) return throttledPage(reply, lockout, TITLE, REFUSALS);
          return htmlPage(reply, 401, TITLE, inviteForm(token, i, 'That is not the password of this user.'));
        }
        await throttle.succeeded(attempt);
      }
      const by = {
        actor: { id: i.user.id, email: i.user.email, ip: req.ip, type: 'user' as const },
        interface: 'dashboard',
      };
      await answerInvite(store, by, i.user, i.membership.id, 'accepted');
      ctx.logger.info({ userId: i.user.id, accountId: i.account.id }, 'invitation accepted from its link');
      return htmlPage(
        reply,
        200,
        'Invitation accepted',
        `<p role="status">${esc(i.user.email)} is now a member of <strong>${esc(i.account.name)}</strong>.</p>` +
          `<p><a href="${SIGN_IN_PATH}">Sign in to the dashboard</a> with this e-mail and ${isNewUser(i) ? 'the password you chose' : 'your password'}.</p>`,
      );
    });
  });
}
