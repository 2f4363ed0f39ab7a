import { type Static, type TObject, Type } from '@sinclair/typebox';
import { tunnelIdOfTarget } from '../../protocol/index.js';
import type { DnsRecordRow, Repositories, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { EmptyObject, Enum, NullableString } from '../api/api-route.js';
import { type AuditBy, audit } from '../audit/audit-trail.js';
import { assertNotApexRoute } from '../tunnels/tunnel-dns-route.js';
import { checkConflicts, RECORD_TYPES, type RecordInput, validateRecord } from './dns-record-input.js';

/** The body fields of a record, shared by the single-record routes and the batch: name and type required. */
export const RECORD_FIELDS = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: Enum(RECORD_TYPES),
  content: Type.Optional(Type.String({ maxLength: 4096 })),
  data: Type.Optional(
    Type.Object(
      {
        priority: Type.Optional(Type.Integer()),
        weight: Type.Optional(Type.Integer()),
        port: Type.Optional(Type.Integer()),
        target: Type.Optional(Type.String()),
        flags: Type.Optional(Type.Integer()),
        tag: Type.Optional(Type.String()),
        value: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  ),
  proxied: Type.Optional(Type.Boolean()),
  ttl: Type.Optional(Type.Integer()),
  priority: Type.Optional(Type.Integer()),
  comment: Type.Optional(NullableString()),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
  settings: Type.Optional(EmptyObject('Accepted for compatibility; must be {}')),
};

/** {@link RECORD_FIELDS} with every field optional (PATCH, batch patches). */
export const RECORD_PATCH_FIELDS = Type.Partial(Type.Object(RECORD_FIELDS)).properties;

export type RecordBody = Static<TObject<typeof RECORD_FIELDS>>;

function audited(r: { name: string; type: string; content: string; proxied: number }): Record<string, unknown> {
  return { name: r.name, type: r.type, content: r.content, proxied: r.proxied === 1 };
}

/** A PATCH body laid over the stored record: what `writeRecord` validates. */
export function mergePatch(existing: DnsRecordRow, body: Partial<RecordBody>): RecordInput {
  return {
    name: body.name ?? existing.name,
    type: body.type ?? existing.type,
    content: body.content ?? (body.data === undefined ? existing.content : undefined),
    data: body.data ?? (existing.data === null ? undefined : (JSON.parse(existing.data) as Record<string, unknown>)),
    proxied: body.proxied ?? existing.proxied === 1,
    ttl: body.ttl ?? existing.ttl,
    priority: body.priority ?? existing.priority ?? undefined,
    comment: body.comment === undefined ? existing.comment : body.comment,
    tags: body.tags ?? (JSON.parse(existing.tags) as string[]),
  };
}

/**
 * Validates `input` and creates it (or replaces `existing`) inside `tx`, with its audit entry:
 * the one path every record write takes, alone or in a batch, so both keep the same rules.
 */
export async function writeRecord(
  tx: Repositories,
  by: AuditBy,
  zone: ZoneRow,
  domain: string,
  input: RecordInput,
  existing?: DnsRecordRow,
): Promise<DnsRecordRow> {
  const valid = validateRecord(input, zone.name);
  // The DNS records API may not do what the routes API refuses: a tunnel at the apex.
  if (valid.type === 'CNAME' && valid.proxied === 1 && tunnelIdOfTarget(valid.content, domain) !== undefined) {
    assertNotApexRoute(valid.name, zone);
  }
  checkConflicts(valid, await tx.zones.recordsNamed(zone.id, valid.name), existing?.id);
  let row: DnsRecordRow;
  if (existing === undefined) {
    row = await tx.zones.createRecord({ ...valid, zone_id: zone.id, account_id: zone.account_id });
  } else {
    await tx.zones.updateRecord(existing.id, valid);
    const updated = await tx.zones.record(zone.id, existing.id);
    if (updated === undefined) throw ApiError.notFound(`DNS record ${existing.id}`);
    row = updated;
  }
  await audit(tx, by, {
    accountId: zone.account_id,
    action: existing === undefined ? 'rec_add' : 'rec_set',
    resource: { id: row.id, type: 'DNS_record' },
    metadata: { zone_id: zone.id, zone_name: zone.name, ...audited(row) },
    newValue: audited(row),
    ...(existing === undefined ? {} : { oldValue: audited(existing) }),
  });
  return row;
}

/** Deletes `r` inside `tx`, with its audit entry. */
export async function deleteRecord(tx: Repositories, by: AuditBy, zone: ZoneRow, r: DnsRecordRow): Promise<void> {
  await tx.zones.deleteRecord(r.id);
  await audit(tx, by, {
    accountId: zone.account_id,
    action: 'rec_del',
    resource: { id: r.id, type: 'DNS_record' },
    metadata: { zone_id: zone.id, zone_name: zone.name, ...audited(r) },
    oldValue: audited(r),
  });
}
