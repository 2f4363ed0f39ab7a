import { createHash } from 'node:crypto';
import type { AccessAnswer } from './access-http.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

export interface LoginPageInput {
  appName: string;
  teamDomain: string;
  /** Where the form posts: `/cdn-cgi/access/login/<app host>`. */
  action: string;
  csrf: string;
  kid: string;
  redirectUrl: string;
  step: 'email' | 'code';
  /** Whether the one-time PIN form is offered (the app admits a `onetimepin` provider). */
  otp: boolean;
  /** OIDC providers the app admits: a link each, to log in there. */
  providers: readonly { name: string; href: string }[];
  email?: string | undefined;
  otpId?: string | undefined;
  /** A notice above the form (a wrong code, a void code). */
  message?: string | undefined;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}' +
  'label{display:block;margin:1rem 0 .25rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}' +
  'button{font:inherit;margin-top:1rem;padding:.4rem 1rem}.note{background:#f4f4f4;padding:.5rem .75rem}';

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} | warren Access</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

/**
 * The one-time PIN form: first the e-mail address, then the code. The code step reads the same
 * whether or not a mail was sent, so the page never tells which addresses may log in.
 */
export function loginPage(p: LoginPageInput): string {
  const hidden =
    `<input type="hidden" name="csrf" value="${esc(p.csrf)}">` +
    `<input type="hidden" name="kid" value="${esc(p.kid)}">` +
    `<input type="hidden" name="redirect_url" value="${esc(p.redirectUrl)}">`;
  const note = p.message === undefined ? '' : `<p class="note" role="status">${esc(p.message)}</p>`;
  const links = p.providers
    .map((i) => `<p><a class="idp" href="${esc(i.href)}">Log in with ${esc(i.name)}</a></p>`)
    .join('');
  const form = !p.otp
    ? ''
    : p.step === 'email'
      ? `<form method="post" action="${esc(p.action)}">${hidden}<input type="hidden" name="step" value="email">
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" autofocus>
<button type="submit">Send me a code</button></form>`
      : `<p>If <strong>${esc(p.email ?? '')}</strong> may use this application, a code was sent to it. It is valid for 10 minutes.</p>
<form method="post" action="${esc(p.action)}">${hidden}<input type="hidden" name="step" value="code">
<input type="hidden" name="otp_id" value="${esc(p.otpId ?? '')}">
<label for="code">Code from the e-mail</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>
<button type="submit">Log in</button></form>`;
  return page(
    `Log in to ${p.appName}`,
    `<h1>Log in to ${esc(p.appName)}</h1><p>${esc(p.teamDomain)}</p>${note}${p.step === 'email' ? links : ''}${form}`,
  );
}

/** A short page with one message (denied, logged out, not set up). */
export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>`);
}

/** The team domain's root: the apps the signed-in user may open, or how to sign in. */
export function launcherPage(
  team: string,
  email: string | undefined,
  apps: readonly { name: string; url: string }[],
): string {
  if (email === undefined) {
    return page(team, `<h1>${esc(team)}</h1><p>Open one of this team's applications to log in.</p>`);
  }
  const items = apps.map((a) => `<li><a href="${esc(a.url)}">${esc(a.name)}</a></li>`).join('');
  return page(
    team,
    `<h1>${esc(team)}</h1><p>Logged in as ${esc(email)}.</p>` +
      (items === '' ? '<p>No applications to show.</p>' : `<ul>${items}</ul>`) +
      '<p><a href="/cdn-cgi/access/logout">Log out</a></p>',
  );
}

/** An HTML answer of the team domain: no caching, no framing, no scripts. */
export function html(status: number, body: string, headers: string[] = []): AccessAnswer {
  return {
    status,
    headers: [
      'content-type',
      'text/html; charset=utf-8',
      'cache-control',
      'no-store',
      'x-frame-options',
      'DENY',
      'content-security-policy',
      // No form-action: browsers apply it to the redirect after the code, which leads to the app's host.
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      ...headers,
    ],
    body,
  };
}

/** A stable user id per account and address (`sub`, `user_uuid`), without storing anything. */
export function userUuid(accountId: string, email: string): string {
  const h = createHash('sha256').update(`${accountId}\n${email.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 429 with Retry-After. */
export function tooMany(retryAfterSeconds: number): AccessAnswer {
  return html(
    429,
    messagePage('Too many attempts', `Too many login attempts. Try again in ${retryAfterSeconds} seconds.`),
    ['retry-after', String(retryAfterSeconds)],
  );
}
