import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { GateApp } from '../../access/index.js';
import type { Store } from '../../store/index.js';

/** One Access login, allowed or denied: the audit log's `login` entry and the access request log's row. */
export interface LoginRecord {
  /** Absent for a service token or when the login failed before an address was known. */
  email: string | undefined;
  /** The identity a stable id is derived from (a user uuid, a service token's client id). */
  actorId: string;
  ip: string;
  /** The identity provider: `onetimepin`, `oidc`, or `service_token` (the access log's `connection`). */
  idp: { id: string; type: string };
  allowed: boolean;
  reason?: string | undefined;
}

/**
 * Appends a `login` entry (interface `Access`, resource the app) with what the access request log
 * shows: app domain and uid, connection, IP, a ray id. A failed write is logged, never thrown: the
 * visitor's login does not depend on the audit store being up.
 */
export async function auditLogin(
  o: { store: Store; logger: Logger },
  app: Pick<GateApp, 'id' | 'accountId' | 'name' | 'aud' | 'domain'>,
  r: LoginRecord,
): Promise<void> {
  try {
    await o.store.audit.append({
      accountId: app.accountId,
      action: 'login',
      result: r.allowed,
      actor: { id: r.actorId, email: r.email ?? '', ip: r.ip, type: 'user' },
      interface: 'Access',
      resource: { id: app.id, type: 'access_app' },
      metadata: {
        app_name: app.name,
        app_uid: app.id,
        app_domain: `${app.domain.wildcard ? '*.' : ''}${app.domain.host}${app.domain.path}`,
        aud: app.aud,
        idp: r.idp.type,
        idp_id: r.idp.id,
        ray_id: randomBytes(8).toString('hex'),
        ...(r.reason === undefined ? {} : { reason: r.reason }),
      },
    });
  } catch (err) {
    o.logger.error({ appId: app.id, err: (err as Error).message }, 'access: the login audit entry failed');
  }
}

/** The audit reason of a lockout. */
export function lockoutReason(r: { scope: string; retryAfterSeconds: number }): string {
  return `too many code requests or wrong codes: ${r.scope} locked out for ${r.retryAfterSeconds} s`;
}
