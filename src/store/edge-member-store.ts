import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { EdgeAuthorityRow, EdgeMemberRow } from './schema/edge-member-rows.js';
import type { Database } from './schema/schema.js';
import { isUniqueViolation } from './unique-violation.js';

/** A tunnel connection held by another live edge: where to forward a request for its tunnel. */
export interface PeerLinkRow {
  tunnel_id: string;
  connection_id: string;
  account_id: string;
  connector_id: string;
  conn_index: number;
  edge_id: string;
  edge_name: string;
  peer_address: string;
}

const AUTHORITY_ID = 'edge-ca';

/**
 * The running edges (`edge_members`, kept alive by heartbeats) and the deployment's one edge CA
 * (`edge_authority`, its key sealed). Every edge writes its own row; any edge sweeps the rows of
 * edges that stopped beating, with the tunnel connections they recorded.
 */
export class EdgeMemberStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Records this edge (replacing an earlier process of the same name: a restart). */
  async join(member: Omit<EdgeMemberRow, 'started_at' | 'heartbeat_at'>): Promise<void> {
    const now = this.#clock.now().toISOString();
    await this.#db.deleteFrom('edge_members').where('name', '=', member.name).execute();
    await this.#db
      .insertInto('edge_members')
      .values({ ...member, started_at: now, heartbeat_at: now })
      .execute();
  }

  /** Refreshes the heartbeat; false when the row is gone (another edge swept it): join again. */
  async heartbeat(id: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('edge_members')
      .set({ heartbeat_at: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async leave(id: string): Promise<void> {
    await this.#db.deleteFrom('edge_members').where('id', '=', id).execute();
  }

  /** Members whose last heartbeat is at or after `since`. */
  live(since: Date): Promise<EdgeMemberRow[]> {
    return this.#db
      .selectFrom('edge_members')
      .selectAll()
      .where('heartbeat_at', '>=', since.toISOString())
      .orderBy('name')
      .execute();
  }

  /** Members that have not beaten since `before`: gone. */
  silent(before: Date): Promise<EdgeMemberRow[]> {
    return this.#db.selectFrom('edge_members').selectAll().where('heartbeat_at', '<', before.toISOString()).execute();
  }

  /** Removes a silent member's row unless it beat meanwhile; true when this call removed it. */
  async removeSilent(id: string, before: Date): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('edge_members')
      .where('id', '=', id)
      .where('heartbeat_at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Connections held by live edges other than `selfId` (heartbeat at or after `since`). */
  peerLinks(selfId: string, since: Date): Promise<PeerLinkRow[]> {
    return this.#db
      .selectFrom('tunnel_connections as c')
      .innerJoin('edge_members as m', 'm.name', 'c.edge_name')
      .select([
        'c.tunnel_id as tunnel_id',
        'c.id as connection_id',
        'c.account_id as account_id',
        'c.connector_id as connector_id',
        'c.conn_index as conn_index',
        'm.id as edge_id',
        'm.name as edge_name',
        'm.peer_address as peer_address',
      ])
      .where('m.id', '<>', selfId)
      .where('m.heartbeat_at', '>=', since.toISOString())
      .execute();
  }

  authority(): Promise<EdgeAuthorityRow | undefined> {
    return this.#db.selectFrom('edge_authority').selectAll().where('id', '=', AUTHORITY_ID).executeTakeFirst();
  }

  /** Stores the edge CA unless one exists already (another process won the race): false then. */
  async createAuthority(certificate: string, keySealed: string): Promise<boolean> {
    try {
      await this.#db
        .insertInto('edge_authority')
        .values({
          id: AUTHORITY_ID,
          certificate,
          key_sealed: keySealed,
          created_on: this.#clock.now().toISOString(),
        })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }
}
