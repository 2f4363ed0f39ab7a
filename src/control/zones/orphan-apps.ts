import type { Repositories } from '../../store/index.js';
import { type AuditBy, audit } from '../audit/audit-trail.js';

/**
 * Deletes the account's Access apps whose domain no zone of the account covers any more, each
 * with an `access_app_delete` audit entry in that account that keeps the whole app (its settings
 * and own policies) as the old value and says why (`zone_deleted`, `zone_moved`,
 * `zone_pending_expired`). Run in the transaction that removed or moved the zone.
 *
 * Deleted, not disabled: an app left on a name the account no longer holds could only ever gate
 * someone else's hostname (the gate skips such rows anyway: AccessStore.effectiveApps), and a
 * kept row would stay editable by an account that has no business with the name. The audit
 * entry is the record of what it was.
 */
export async function dropAppsOutsideZones(
  tx: Repositories,
  accountId: string,
  by: AuditBy,
  why: { zone: string; reason: string },
): Promise<number> {
  const orphans = await tx.access.appsOutsideZones(accountId);
  for (const app of orphans) {
    const policies = await tx.access.policies(accountId, app.id);
    await tx.access.deleteApp(accountId, app.id);
    await audit(tx, by, {
      accountId,
      action: 'access_app_delete',
      resource: { id: app.id, type: 'access_app' },
      metadata: { reason: why.reason, zone_name: why.zone, domain: app.domain },
      oldValue: {
        id: app.id,
        aud: app.aud,
        domain: app.domain,
        ...(JSON.parse(app.data) as Record<string, unknown>),
        policies: policies.map((p) => ({ id: p.id, precedence: p.precedence, ...(JSON.parse(p.data) as object) })),
      },
    });
  }
  return orphans.length;
}
