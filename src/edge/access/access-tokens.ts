import type { IncomingMessage } from 'node:http';
import { type AccessSession, firstIssueAfter, type GateApp } from '../../access/index.js';
import { ACCESS_COOKIE, cookieValue } from './access-http.js';

/** `cf-access-token` (as `cloudflared access curl` sends it), else the `CF_Authorization` cookie. */
export function tokenOf(req: Pick<IncomingMessage, 'headers'> | TokenCarrier): string | undefined {
  const h = req.headers['cf-access-token'];
  if (typeof h === 'string' && h !== '') return h;
  return cookieValue(req.headers.cookie, ACCESS_COOKIE);
}

/** The fields tokenOf reads (node's IncomingMessage has them; so does the visitor lane's request). */
export interface TokenCarrier {
  readonly headers: {
    readonly cookie?: string | undefined;
    readonly 'cf-access-token'?: string | string[] | undefined;
  };
}

/** Sessions issued at or before the app's `revoke_tokens` are over. */
export function revoked(app: GateApp, s: Pick<AccessSession, 'iat'>): boolean {
  return app.tokensRevokedAt !== undefined && s.iat * 1000 <= Date.parse(app.tokensRevokedAt);
}

/** The app's `session_duration` (`24h`, `30m`, `1h30m` …) in seconds; 24 hours when absent or unreadable. */
export function sessionSeconds(app: GateApp): number {
  const d = app.settings.session_duration;
  if (typeof d !== 'string') return 86_400;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
  }
  return total >= 1 ? Math.floor(total) : 86_400;
}

/**
 * When a new token for `app` is issued: now, or just after the app's last `revoke_tokens` when
 * that was within this second. `iat` has whole seconds and a revocation refuses every token with
 * `iat` up to it, so a login in the same second would otherwise get a token that is already dead.
 */
export function issueTime(app: GateApp, now: Date): Date {
  if (app.tokensRevokedAt === undefined) return now;
  const firstValid = firstIssueAfter(app.tokensRevokedAt);
  return now.getTime() >= firstValid ? now : new Date(firstValid);
}
