import { type Kysely, sql } from 'kysely';

/**
 * Migration 0010's data step (security round 3):
 * - `access_apps.tokens_revoked_at`: the revocation time leaves the app's `data` document, which
 *   every PUT rebuilds, for a column that only `revoke_tokens` writes; existing values move over.
 * - `zones.pending_since`: when a pending zone's reservation of its name started, so that it can
 *   expire; pending zones count from their last change (a lower bound we can trust).
 */
export async function revocationsAndPendingZones(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_apps').addColumn('tokens_revoked_at', 'text').execute();
  await db.schema.alterTable('zones').addColumn('pending_since', 'text').execute();
  await sql`update zones set pending_since = modified_on where status = 'pending'`.execute(db);
  const apps = await sql<{ id: string; data: string }>`select id, data from access_apps`.execute(db);
  for (const app of apps.rows) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(app.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    const at = data.tokens_revoked_at;
    if (at === undefined) continue;
    delete data.tokens_revoked_at;
    await sql`update access_apps set data = ${JSON.stringify(data)}, tokens_revoked_at = ${typeof at === 'string' ? at : null} where id = ${app.id}`.execute(
      db,
    );
  }
}
