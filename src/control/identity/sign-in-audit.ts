import type { FastifyReply } from 'fastify';
import type { SignInRefusal } from '../../access/index.js';
import type { UserRow } from '../../store/index.js';
import type { ControlContext } from '../api/control-context.js';
import { esc, htmlPage } from '../api/html-page.js';

export interface SignInOutcome {
  /** The form: 'dashboard' (`warren login`'s page), 'setup', later the Access one-time PIN. */
  interface: string;
  /** The address as typed (never the password). */
  email: string;
  /** The user the address names, when it names one. */
  user: UserRow | undefined;
  ip: string;
  result: 'success' | 'failure' | 'lockout';
  /** For 'lockout': which budget ran out and for how long. */
  refusal?: SignInRefusal | undefined;
}

// Only so much of what a visitor typed goes into a log line.
const MAX_LOGGED_ADDRESS = 254;

/**
 * Records a sign-in: for a known user, an audit entry (`login`, or `login_lockout`) in each of
 * their accounts; for an unknown address, a warn-level log line only (there is no account to
 * write to). Runs after the answer is decided and is not awaited by the form, so the audit
 * write's time does not reveal whether the address has an account; a failure is logged.
 */
export function recordSignIn(ctx: ControlContext, o: SignInOutcome): void {
  void write(ctx, o).catch((err: unknown) =>
    ctx.logger.warn({ err: (err as Error).message, userId: o.user?.id }, 'sign-in: audit entry not written'),
  );
}

async function write(ctx: ControlContext, o: SignInOutcome): Promise<void> {
  const lockout =
    o.refusal === undefined ? {} : { scope: o.refusal.scope, retryAfterSeconds: o.refusal.retryAfterSeconds };
  if (o.result !== 'success') {
    ctx.logger.warn(
      {
        interface: o.interface,
        email: o.email.slice(0, MAX_LOGGED_ADDRESS),
        known: o.user !== undefined,
        ip: o.ip,
        ...lockout,
      },
      o.result === 'lockout' ? 'sign-in: locked out after repeated failures' : 'sign-in: failed',
    );
  }
  const user = o.user;
  if (user === undefined) return;
  for (const { account } of await ctx.store.identity.accountsOf(user.id)) {
    await ctx.store.audit.append({
      accountId: account.id,
      action: o.result === 'lockout' ? 'login_lockout' : 'login',
      result: o.result === 'success',
      actor: { id: user.id, email: user.email, ip: o.ip, type: 'user' },
      interface: o.interface,
      resource: { id: user.id, type: 'user' },
      metadata: o.result === 'failure' ? { reason: 'wrong password' } : lockout,
    });
  }
}

/** The 429 page of every sign-in form: when to retry, and nothing about whether the address exists. */
export function throttledPage(
  reply: FastifyReply,
  refusal: SignInRefusal,
  title: string,
  what = 'sign-ins for this e-mail address or from your network',
): FastifyReply {
  const wait =
    refusal.retryAfterSeconds < 120
      ? `${refusal.retryAfterSeconds} seconds`
      : `${Math.ceil(refusal.retryAfterSeconds / 60)} minutes`;
  reply.header('retry-after', String(refusal.retryAfterSeconds));
  return htmlPage(
    reply,
    429,
    title,
    `<p class="err" role="alert">${esc(
      `Too many failed ${what}. Try again in ${wait}. (WARREN_SIGN_IN_THROTTLED)`,
    )}</p>`,
  );
}
