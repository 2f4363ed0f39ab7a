import { type GateApp, pageUrl } from '../../access/index.js';
import { type AccessAnswer, redirect } from './access-http.js';
import { appFace, deniedPage, html, messageAnswer } from './access-login-page.js';
import type { PageOptions } from './access-page-shell.js';

/**
 * What a signed-in visitor whom no policy admits gets: a redirect to the app's `custom_deny_url`
 * when it has a usable one, else the denied page (with `custom_deny_message`), which names the
 * account and offers `another` (the login page without single sign-on). Never which rule refused.
 */
export function denial(app: GateApp, email: string, another: string, view: PageOptions): AccessAnswer {
  const denyUrl = pageUrl(app.settings.custom_deny_url);
  if (denyUrl !== undefined) return redirect(denyUrl);
  const message = app.settings.custom_deny_message;
  return html(
    403,
    deniedPage({
      ...view,
      app: appFace(app),
      email,
      customMessage: typeof message === 'string' && message.trim() !== '' ? message : undefined,
      another,
    }),
  );
}

/**
 * A request that presented a service token (`CF-Access-Client-Id`) which no policy admits: to the
 * app's `custom_non_identity_deny_url` when it has one, else undefined (the usual answer).
 */
export function nonIdentityDenial(app: GateApp): AccessAnswer | undefined {
  const url = pageUrl(app.settings.custom_non_identity_deny_url);
  return url === undefined ? undefined : redirect(url);
}

/**
 * A request without a valid client certificate to an app that asks for one (a `certificate` or
 * `common_name` rule) and has no `allow` policy a login could satisfy: the 403 page, as
 * Cloudflare answers it, instead of a login that could never admit anyone.
 */
export function certificateDenial(app: GateApp): AccessAnswer | undefined {
  if (!app.usesCertificate || app.policies.some((p) => p.decision === 'allow')) return undefined;
  return messageAnswer(
    403,
    'Forbidden',
    `${app.name} needs a valid client certificate from its organization's certificate authority. ` +
      'Install the certificate your administrator gave you (or pass it, e.g. curl --cert), then try again.',
  );
}
