import { createHash } from 'node:crypto';
import { pageUrl } from '../../access/index.js';
import type { AccessAnswer } from './access-http.js';
import { esc, html, type PageOptions, page } from './access-page-shell.js';

export { esc, html, page } from './access-page-shell.js';

/** An app as its pages show it: its name and, when it has a usable one, its logo (`logo_url`). */
export interface AppFace {
  name: string;
  logoUrl?: string | undefined;
}

export interface LoginPageInput extends PageOptions {
  app: AppFace;
  /** Where the form posts: `/cdn-cgi/access/login/<app host>`. */
  action: string;
  /** The login page itself, fresh (GET): "use another address". */
  restart: string;
  csrf: string;
  kid: string;
  redirectUrl: string;
  step: 'email' | 'code';
  /** Whether the one-time PIN form is offered (the app admits a `onetimepin` provider). */
  otp: boolean;
  /** OIDC providers the app admits, in its `allowed_idps` order: a button each. */
  providers: readonly { name: string; href: string }[];
  email?: string | undefined;
  otpId?: string | undefined;
  /** How long a code lasts, in minutes (the code step says so). */
  codeMinutes?: number | undefined;
  /** A notice above the form (a wrong code, a void code). */
  message?: string | undefined;
}

/** The app's name as a heading, with its logo beside it. */
function appHeading(verb: string, app: AppFace): string {
  const logo = pageUrl(app.logoUrl);
  const img = logo === undefined ? '' : `<img src="${esc(logo)}" alt="">`;
  return `<div class="app">${img}<h1>${esc(verb)} ${esc(app.name)}</h1></div>`;
}

function hiddenFields(p: LoginPageInput): string {
  return (
    `<input type="hidden" name="csrf" value="${esc(p.csrf)}">` +
    `<input type="hidden" name="kid" value="${esc(p.kid)}">` +
    `<input type="hidden" name="redirect_url" value="${esc(p.redirectUrl)}">`
  );
}

/**
 * The login page: a button per identity provider, in the app's order, then the one-time PIN form
 * (first the e-mail address, then the code). The code step reads the same whether or not a mail
 * was sent, so the page never tells which addresses may log in.
 */
export function loginPage(p: LoginPageInput): string {
  const note =
    p.message === undefined
      ? ''
      : `<p class="${p.step === 'code' ? 'note' : 'err'}" role="status">${esc(p.message)}</p>`;
  if (p.step === 'code') return codePage(p, note);
  const buttons = p.providers
    .map((i) => `<li><a class="button" href="${esc(i.href)}">Sign in with ${esc(i.name)}</a></li>`)
    .join('');
  const list = buttons === '' ? '' : `<ul class="idps">${buttons}</ul>`;
  const or = buttons !== '' && p.otp ? '<p class="or">or</p>' : '';
  const form = !p.otp
    ? ''
    : `<form method="post" action="${esc(p.action)}">${hiddenFields(p)}<input type="hidden" name="step" value="email">
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" autofocus>
<button type="submit">Send me a code</button></form>`;
  return page(
    `Sign in to ${p.app.name}`,
    `${appHeading('Sign in to', p.app)}<p class="muted">Choose how to sign in.</p>${note}${list}${or}${form}`,
    p,
  );
}

/** The code step: where the code went, how long it lasts, send it again, use another address. */
function codePage(p: LoginPageInput, note: string): string {
  const email = p.email ?? '';
  const minutes = p.codeMinutes ?? 10;
  return page(
    `Enter your code for ${p.app.name}`,
    `${appHeading('Sign in to', p.app)}${note}
<p>If <strong>${esc(email)}</strong> may use this application, we sent a 6-digit code to it. The code works for ${minutes} minutes, once.</p>
<form method="post" action="${esc(p.action)}">${hiddenFields(p)}<input type="hidden" name="step" value="code">
<input type="hidden" name="otp_id" value="${esc(p.otpId ?? '')}">
<label for="code">Code from the e-mail</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>
<button type="submit">Sign in</button></form>
<form method="post" action="${esc(p.action)}">${hiddenFields(p)}<input type="hidden" name="step" value="email">
<input type="hidden" name="email" value="${esc(email)}">
<button type="submit" class="secondary">Send the code again</button></form>
<p><a href="${esc(p.restart)}">Use another address</a></p>`,
    p,
  );
}

/** A short page with one message (logged out, an expired link, an unknown app, a broken provider). */
export function messagePage(
  title: string,
  message: string,
  o: PageOptions = {},
  link?: { href: string; text: string },
): string {
  const more =
    link === undefined ? '' : `<p><a class="button secondary" href="${esc(link.href)}">${esc(link.text)}</a></p>`;
  return page(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>${more}`, o);
}

export interface DeniedPageInput extends PageOptions {
  app: AppFace;
  email: string;
  /** The app's `custom_deny_message`, if any. */
  customMessage?: string | undefined;
  /** The login page again, without single sign-on: "sign in with another identity". */
  another: string;
}

/**
 * A signed-in visitor whom no policy lets in: who they are, that this identity may not use the
 * app, and a way to try another. Never which rule refused them.
 */
export function deniedPage(d: DeniedPageInput): string {
  const custom = d.customMessage === undefined ? '' : `<p class="note">${esc(d.customMessage)}</p>`;
  return page(
    `Access denied to ${d.app.name}`,
    `${appHeading('Access denied to', d.app)}
<p>You are signed in as <strong>${esc(d.email)}</strong>, and that account may not use this application.</p>${custom}
<p class="muted">If you have another account that may, sign in with it. Otherwise ask the application's owner for access.</p>
<a class="button" href="${esc(d.another)}">Sign in with another identity</a>
<p><a href="/cdn-cgi/access/logout">Log out</a></p>`,
    d,
  );
}

/** The team domain's root: the apps the signed-in user may open (with their logos), or how to sign in. */
export function launcherPage(
  team: string,
  email: string | undefined,
  apps: readonly (AppFace & { url: string })[],
  o: PageOptions = {},
): string {
  if (email === undefined) {
    return page(
      'App Launcher',
      `<h1>App Launcher</h1><p>You are not signed in. Open one of this team's applications to sign in; its apps are listed here after that.</p>`,
      { team, ...o },
    );
  }
  const items = apps
    .map((a) => {
      const logo = pageUrl(a.logoUrl);
      const img =
        logo === undefined
          ? `<span class="mono" aria-hidden="true">${esc([...a.name][0]?.toUpperCase() ?? '?')}</span>`
          : `<img src="${esc(logo)}" alt="">`;
      return `<li><a href="${esc(a.url)}">${img}<span>${esc(a.name)}</span></a></li>`;
    })
    .join('');
  return page(
    'App Launcher',
    `<h1>App Launcher</h1><p class="muted">Signed in as <strong>${esc(email)}</strong>.</p>` +
      (items === ''
        ? "<p>No applications to show: none of this team's applications lets this account in.</p>"
        : `<ul class="apps">${items}</ul>`) +
      '<p><a href="/cdn-cgi/access/logout">Log out</a></p>',
    { team, ...o },
  );
}

/** A stable user id per account and address (`sub`, `user_uuid`), without storing anything. */
export function userUuid(accountId: string, email: string): string {
  const h = createHash('sha256').update(`${accountId}\n${email.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 429 with Retry-After. */
export function tooMany(retryAfterSeconds: number, o: PageOptions = {}): AccessAnswer {
  return html(
    429,
    messagePage('Too many attempts', `Too many sign-in attempts. Try again in ${retryAfterSeconds} seconds.`, o),
    ['retry-after', String(retryAfterSeconds)],
  );
}

/** How an app shows on its pages: its name, and its `logo_url` when that is a usable https URL. */
export function appFace(app: { name: string; settings: Readonly<Record<string, unknown>> }): AppFace {
  return { name: app.name, logoUrl: pageUrl(app.settings.logo_url) };
}

/** A message page as an answer with `status`. */
export function messageAnswer(
  status: number,
  title: string,
  message: string,
  o: PageOptions = {},
  link?: { href: string; text: string },
): AccessAnswer {
  return html(status, messagePage(title, message, o, link));
}
