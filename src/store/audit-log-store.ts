import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import { newSortableUuid } from './ids.js';
import type { AuditAction } from './schema/audit-actions.js';
import type { AuditLogRow, Database } from './schema/schema.js';
import type { Page, Paged } from './zone-store.js';

export interface AuditEntry {
  accountId: string;
  action: AuditAction;
  /** false when the action was refused. */
  result?: boolean;
  actor: { id: string; email: string; ip: string; type: AuditLogRow['actor_type'] };
  interface: string;
  resource: { id: string; type: string };
  metadata?: Record<string, unknown>;
  newValue?: unknown;
  oldValue?: unknown;
}

export interface AuditFilter {
  actionType?: string | undefined;
  actorEmail?: string | undefined;
  actorIp?: string | undefined;
  resourceId?: string | undefined;
  resourceType?: string | undefined;
  interface?: string | undefined;
  id?: string | undefined;
  actorType?: AuditLogRow['actor_type'] | undefined;
  since?: string | undefined;
  before?: string | undefined;
  direction?: 'asc' | 'desc';
}

/** Append-only: there is no update or delete here, on purpose. */
export class AuditLogStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async append(entry: AuditEntry): Promise<AuditLogRow> {
    const now = this.#clock.now();
    const row: AuditLogRow = {
      id: newSortableUuid(now.getTime()),
      account_id: entry.accountId,
      when_at: now.toISOString(),
      action_type: entry.action,
      action_result: entry.result === false ? 0 : 1,
      actor_id: entry.actor.id,
      actor_email: entry.actor.email,
      actor_ip: entry.actor.ip,
      actor_type: entry.actor.type,
      interface: entry.interface,
      resource_id: entry.resource.id,
      resource_type: entry.resource.type,
      metadata: JSON.stringify(entry.metadata ?? {}),
      new_value: entry.newValue === undefined ? null : JSON.stringify(entry.newValue),
      old_value: entry.oldValue === undefined ? null : JSON.stringify(entry.oldValue),
    };
    await this.#db.insertInto('audit_logs').values(row).execute();
    return row;
  }

  async entries(accountId: string, filter: AuditFilter, page: Page): Promise<Paged<AuditLogRow>> {
    let q = this.#db.selectFrom('audit_logs').where('account_id', '=', accountId);
    if (filter.actionType !== undefined) q = q.where('action_type', '=', filter.actionType);
    if (filter.actorEmail !== undefined) q = q.where('actor_email', '=', filter.actorEmail.toLowerCase());
    if (filter.actorIp !== undefined) q = q.where('actor_ip', '=', filter.actorIp);
    if (filter.resourceId !== undefined) q = q.where('resource_id', '=', filter.resourceId);
    if (filter.resourceType !== undefined) q = q.where('resource_type', '=', filter.resourceType);
    if (filter.interface !== undefined) q = q.where('interface', '=', filter.interface);
    if (filter.id !== undefined) q = q.where('id', '=', filter.id);
    if (filter.actorType !== undefined) q = q.where('actor_type', '=', filter.actorType);
    if (filter.since !== undefined) q = q.where('when_at', '>=', filter.since);
    if (filter.before !== undefined) q = q.where('when_at', '<', filter.before);
    const total = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const dir = filter.direction ?? 'desc';
    const rows = await q
      .selectAll()
      .orderBy('when_at', dir)
      .orderBy('id', dir)
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute();
    return { rows, total: Number(total.n) };
  }
}
