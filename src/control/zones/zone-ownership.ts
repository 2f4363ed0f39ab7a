import type { AuditAction, Repositories, Store, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type AuditBy, type AuditEvent, audit } from '../audit/audit-trail.js';
import { isWithin } from './hostname.js';
import { dropAppsOutsideZones } from './orphan-apps.js';

// The longest-active-zone rule lives in the store (the Access gate's app source uses it too).
export { type OwnedZone, owningZone } from '../../store/index.js';

/**
 * Refuses `name` for `accountId` when it equals, contains or lies inside a zone of another
 * account (Cloudflare's model: one owner per name, sub-zones only within the account). Run it in
 * the transaction that writes, after `tx.zones.lockOwnership()`. The message names the other
 * zone (the caller typed a name inside it) but never its account.
 */
export async function assertNoForeignOverlap(
  tx: Repositories,
  name: string,
  accountId: string,
  exceptZoneId?: string,
): Promise<void> {
  const clash = (await tx.zones.zonesOverlapping(name)).find(
    (z) => z.account_id !== accountId && z.id !== exceptZoneId,
  );
  if (clash === undefined) return;
  const how =
    clash.name === name
      ? 'already exists in another account'
      : isWithin(name, clash.name)
        ? `lies inside the zone ${clash.name} of another account`
        : `contains the zone ${clash.name} of another account`;
  throw new ApiError(
    'WARREN_ZONE_OVERLAP',
    `the zone ${name} ${how}; a name belongs to one account only. If this domain is yours, ask the operator to move the zone (warren admin move-zone)`,
  );
}

/** Writes the zone's audit entry: one shape for API, admin and activation checks. */
async function zoneAudit(
  tx: Repositories,
  z: ZoneRow,
  action: AuditAction,
  by: AuditBy,
  extra: Partial<AuditEvent> = {},
): Promise<void> {
  await audit(tx, by, {
    accountId: z.account_id,
    action,
    resource: { id: z.id, type: 'zone' },
    metadata: { zone_name: z.name, type: z.type },
    ...extra,
  });
}

/** Who removes zones on their own: the pending-zone expiry (lazy, or its background sweep). */
export const PENDING_EXPIRY_ACTOR: AuditBy = {
  actor: { id: 'pending-zone-expiry', email: '', ip: '', type: 'Cloudflare' },
  interface: 'pending zone expiry',
};

/**
 * Deletes a zone with its records, and the Access apps of its account that no zone of that
 * account covers any more (an app outlives neither its zone's deletion nor its move: see
 * orphan-apps.ts), all audited, in the caller's transaction. Publish `zones`, `dns` and `access`
 * after it commits.
 */
export async function removeZone(
  tx: Repositories,
  z: ZoneRow,
  by: AuditBy,
  reason: 'deleted' | 'pending_expired',
): Promise<void> {
  await tx.zones.deleteZone(z.id);
  await zoneAudit(tx, z, 'zone_delete', by, {
    metadata: { zone_name: z.name, type: z.type, ...(reason === 'deleted' ? {} : { reason, status: z.status }) },
  });
  await dropAppsOutsideZones(tx, z.account_id, by, { zone: z.name, reason: `zone_${reason}` });
}

/**
 * Removes pending zones whose reservation expired (`pendingExpiryMs` after they became pending).
 * `overlapping`: only those that equal, contain or lie inside this name (the lazy check before a
 * create); undefined: all of them (the sweep). Returns the zones removed; publish after commit.
 */
export async function removeExpiredPendingZones(
  tx: Repositories,
  now: Date,
  pendingExpiryMs: number,
  overlapping?: string,
): Promise<ZoneRow[]> {
  const before = new Date(now.getTime() - pendingExpiryMs).toISOString();
  let expired = await tx.zones.expiredPendingZones(before);
  if (overlapping !== undefined) {
    expired = expired.filter((z) => isWithin(z.name, overlapping) || isWithin(overlapping, z.name));
  }
  for (const z of expired) await removeZone(tx, z, PENDING_EXPIRY_ACTOR, 'pending_expired');
  return expired;
}

/** Announces a zone removal to every cache that depends on it (routes, DNS, the Access gate). */
export async function publishZoneRemoval(store: Store): Promise<void> {
  await store.feed.publish('zones');
  await store.feed.publish('dns');
  await store.feed.publish('access');
}

/**
 * Creates a zone under the ownership rule, with its audit entry, in one transaction. Public
 * suffixes are refused; pending zones whose reservation expired (`pendingExpiryMs`) stop
 * blocking the name and are removed first (audited in their account).
 */
export async function createOwnedZone(
  store: Store,
  input: { accountId: string; name: string; type: ZoneRow['type']; activate: boolean; pendingExpiryMs: number },
  by: AuditBy,
): Promise<ZoneRow> {
  // The Public Suffix List (tldts, about 1 MiB of heap) loads at the first zone created, not with serve.
  const { refusePublicSuffix } = await import('./public-suffix.js');
  refusePublicSuffix(input.name);
  const { z, expired } = await store.transaction(async (tx) => {
    await tx.zones.lockOwnership();
    const expired = await removeExpiredPendingZones(tx, store.clock.now(), input.pendingExpiryMs, input.name);
    await assertNoForeignOverlap(tx, input.name, input.accountId);
    const z = await tx.zones.createZone(input);
    await zoneAudit(tx, z, 'zone_create', by);
    return { z, expired };
  });
  if (expired.length > 0) await publishZoneRemoval(store);
  else await store.feed.publish('zones');
  return z;
}

/**
 * Moves a zone (and its records) to another account: the operator's way to settle who owns a
 * domain. Refused when the zone overlaps a zone of any account other than the target. Audited in
 * both accounts. The old account's Access apps that no zone of its own covers any more are
 * deleted (audited in the old account), never handed over.
 */
export async function moveZone(
  store: Store,
  zoneName: string,
  toAccountId: string,
  by: AuditBy,
): Promise<{ zone: ZoneRow; fromAccountId: string }> {
  const out = await store.transaction(async (tx) => {
    await tx.zones.lockOwnership();
    const z = await tx.zones.zoneNamed(zoneName);
    if (z === undefined) throw ApiError.notFound(`zone ${zoneName}`);
    if ((await tx.identity.getAccount(toAccountId)) === undefined) throw ApiError.notFound(`account ${toAccountId}`);
    const from = z.account_id;
    if (from === toAccountId) return { zone: z, fromAccountId: from };
    await assertNoForeignOverlap(tx, z.name, toAccountId, z.id);
    await tx.zones.moveZone(z.id, toAccountId);
    const moved = { ...z, account_id: toAccountId };
    const change = { oldValue: { account_id: from }, newValue: { account_id: toAccountId } };
    await zoneAudit(tx, z, 'zone_move', by, change);
    await zoneAudit(tx, moved, 'zone_move', by, change);
    // The old account's apps on the zone's names would gate the new owner's hostnames.
    await dropAppsOutsideZones(tx, from, by, { zone: z.name, reason: 'zone_moved' });
    return { zone: moved, fromAccountId: from };
  });
  await publishZoneRemoval(store);
  return out;
}

/** pending → active with an audit entry saying how; false when it was not pending any more. */
export async function activateZone(
  store: Store,
  z: ZoneRow,
  by: AuditBy,
  metadata: Record<string, unknown>,
): Promise<boolean> {
  const done = await store.transaction(async (tx) => {
    if (!(await tx.zones.activateZone(z.id))) return false;
    await zoneAudit(tx, z, 'zone_activate', by, {
      metadata: { zone_name: z.name, type: z.type, ...metadata },
      oldValue: { status: 'pending' },
      newValue: { status: 'active' },
    });
    return true;
  });
  if (done) await store.feed.publish('zones');
  return done;
}
