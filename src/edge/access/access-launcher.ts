import type { IncomingMessage } from 'node:http';
import type { AccessGate } from '../../access/index.js';
import { normalizeIp } from '../registration/tunnel-listener.js';
import type { AccessAnswer } from './access-http.js';
import { portSuffix } from './access-http.js';
import { appFace, html, launcherPage } from './access-login-page.js';
import type { PageOptions } from './access-page-shell.js';

/** Who holds the team session (undefined: nobody is signed in). */
export interface LauncherUser {
  email: string;
  idp: { id: string } | undefined;
  custom?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The app launcher at the team domain's root: the apps with `app_launcher_visible` (and no
 * wildcard, which has no one address) that the signed-in user may open under their policies
 * now, by name, with their logos, as Cloudflare's App Launcher.
 */
export function launcher(
  gate: AccessGate,
  req: IncomingMessage,
  team: string,
  accountId: string,
  scheme: 'http' | 'https',
  view: PageOptions,
  user: LauncherUser | undefined,
): AccessAnswer {
  if (user === undefined) return html(200, launcherPage(team, undefined, [], view));
  const ip = normalizeIp(req.socket.remoteAddress);
  const port = portSuffix(req.headers.host);
  const who = { ip, email: user.email, loginMethod: user.idp?.id, oidcClaims: user.custom };
  const apps = gate
    .appsOf(accountId)
    .filter((a) => a.settings.app_launcher_visible !== false && !a.domain.wildcard)
    .filter((a) => gate.evaluate(a, who).decision === 'allow')
    .map((a) => ({ ...appFace(a), url: `${scheme}://${a.domain.host}${port}${a.domain.path || '/'}` }))
    .sort((x, y) => x.name.localeCompare(y.name));
  return html(200, launcherPage(team, user.email, apps, view));
}
