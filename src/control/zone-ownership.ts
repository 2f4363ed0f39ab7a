import type { Repositories, Store, ZoneRow } from '../store/index.js';
import { ApiError } from './api-error.js';
import { type AuditBy, type AuditEvent, audit } from './audit-trail.js';
import { isWithin } from './hostname.js';

/** What the longest-zone rule needs of a zone. */
export type OwnedZone = Pick<ZoneRow, 'id' | 'account_id' | 'name' | 'status'>;

/**
 * The zone that owns `host`: the longest **active** zone that contains it, whatever its account.
 * Only that zone's records route the host, and only its account gets origin certificates for
 * it. A pending zone owns nothing yet: it has not proven the domain is delegated to it.
 */
export function owningZone<Z extends OwnedZone>(host: string, zones: readonly Z[]): Z | undefined {
  let best: Z | undefined;
  for (const z of zones) {
    if (z.status !== 'active' || !isWithin(host, z.name)) continue;
    if (best === undefined || z.name.length > best.name.length) best = z;
  }
  return best;
}

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
  action: string,
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

/** Creates a zone under the ownership rule, with its audit entry, in one transaction. */
export async function createOwnedZone(
  store: Store,
  input: { accountId: string; name: string; type: ZoneRow['type']; activate: boolean },
  by: AuditBy,
): Promise<ZoneRow> {
  const z = await store.transaction(async (tx) => {
    await tx.zones.lockOwnership();
    await assertNoForeignOverlap(tx, input.name, input.accountId);
    const z = await tx.zones.createZone(input);
    await zoneAudit(tx, z, 'zone_create', by);
    return z;
  });
  await store.feed.publish('zones');
  return z;
}

/**
 * Moves a zone (and its records) to another account: the operator's way to settle who owns a
 * domain. Refused when the zone overlaps a zone of any account other than the target. Audited in
 * both accounts.
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
    return { zone: moved, fromAccountId: from };
  });
  await store.feed.publish('zones');
  await store.feed.publish('dns');
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
