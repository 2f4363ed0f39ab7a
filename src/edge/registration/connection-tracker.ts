import type { Logger } from 'pino';
import type { AuditEntry, Repositories, Store, TunnelConnectionRow } from '../../store/index.js';
import { type Cancel, PeriodicJob, SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import type { EdgeLink } from './edge-link.js';
import { QUICK_ACCOUNT_TAG } from './quick-tunnel-authority.js';

export const CONNECTION_RECONCILE_INTERVAL_MS = 30_000; // 30 seconds between checks of every recorded link against the live ones
export const CONNECTION_RETRY_MIN_MS = 250; // first retry of a connection write that failed
export const CONNECTION_RETRY_MAX_MS = 4_000; // 4 seconds at most between retries while the database fails
/**
 * How long a link change waits for others to share its commit (50 milliseconds). SQLite's commit
 * blocks the event loop with an fsync, so nothing queues up while one runs: a batch only forms if
 * it waits. A fleet of 1000 tunnels × 4 links registering at once would otherwise stall the edge
 * with thousands of commits (issue 26).
 */
export const CONNECTION_BATCH_DELAY_MS = 50;
/** Most tunnels reconciled in one transaction. */
const MAX_BATCH_TUNNELS = 200;

/** A named link as this edge knows it, until the database says the same. */
interface Tracked {
  link: EdgeLink;
  accountId: string;
  registeredAt: Date;
  /** Set when the link closed; the tracked entry goes once its row is gone. */
  unregisteredAt: Date | undefined;
  /** Its row (and Registered audit entry) was committed. */
  recorded: boolean;
  /** Written while writes fail: its audit entries carry the real time of the event (`occurred_at`). */
  late: boolean;
}

/**
 * Mirrors this edge's named-tunnel links into the store (for `/connections`, status and the
 * per-account limit across edges) and writes their Registered / Unregistered audit entries.
 *
 * The edge's links are the truth; the rows converge to them. A link event marks its tunnel dirty
 * and one sync at a time reconciles dirty tunnels, each in one transaction: rows for live links
 * are added, rows of gone links (or stale ones of this edge) removed. A failed write (full disk,
 * PostgreSQL down) keeps the tunnel dirty and is retried with backoff; every
 * `CONNECTION_RECONCILE_INTERVAL_MS`, and as soon as the store reports writes pass again, all of
 * this edge's rows are checked against its live links.
 */
export class ConnectionTracker {
  readonly #store: Store;
  readonly #edgeName: string;
  readonly #logger: Logger;
  readonly #timers: Timers;
  /** Named links on this edge, by tunnel id. */
  readonly #local = new Map<string, { accountId: string; links: Set<EdgeLink> }>();
  /** By connection id: live links, and closed ones whose row is not removed yet. */
  readonly #tracked = new Map<string, Tracked>();
  readonly #dirty = new Set<string>();
  readonly #reconcile: PeriodicJob<void>;
  #syncing: Promise<void> | undefined;
  #retry: Cancel | undefined;
  /** The short wait that lets link changes share one commit. */
  #batch: Cancel | undefined;
  /** Failed syncs in a row (0 when the last one passed). */
  #failures = 0;
  #failingSince: Date | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #recordQuick = false;

  constructor(store: Store, edgeName: string, logger: Logger, timers: Timers = SYSTEM_TIMERS) {
    this.#store = store;
    this.#edgeName = edgeName;
    this.#logger = logger;
    this.#timers = timers;
    this.#reconcile = new PeriodicJob(
      timers,
      () => this.reconcile(),
      (err) => this.#logger.debug({ err }, 'store: could not read the recorded tunnel connections; next check later'),
    );
  }

  /** Forgets connections this edge recorded before a crash or restart (it holds none now), then keeps them in step. */
  async start(): Promise<void> {
    await this.#store.tunnels.clearEdge(this.#edgeName);
    await this.#store.feed.publish('connections');
    this.#reconcile.start(CONNECTION_RECONCILE_INTERVAL_MS);
    // Writes pass again (disk freed, PostgreSQL back): catch up now rather than at the next retry.
    this.#unsubscribe = this.#store.health.onRecovered(() => {
      this.reconcile().catch(() => {});
    });
  }

  /**
   * Records quick tunnels' links too, under the account tag `quick` and with no audit entries (no
   * account owns them): with several edges, the others find a quick tunnel's links in the rows
   * and forward its requests (`warren edge`). A lone `warren serve` does not need them.
   */
  alsoRecordQuickLinks(): void {
    this.#recordQuick = true;
  }

  readonly registered = (link: EdgeLink): void => {
    const accountId = link.accountId ?? (this.#recordQuick ? QUICK_ACCOUNT_TAG : undefined);
    if (accountId === undefined) return; // quick tunnel on a lone edge: nothing to record
    let t = this.#local.get(link.tunnelId);
    if (t === undefined) {
      t = { accountId, links: new Set() };
      this.#local.set(link.tunnelId, t);
    }
    t.links.add(link);
    this.#tracked.set(link.connectionId, {
      link,
      accountId,
      registeredAt: this.#store.clock.now(),
      unregisteredAt: undefined,
      recorded: false,
      // Writes are failing: this one will be written late too.
      late: this.#failures > 0,
    });
    this.#touch(link.tunnelId);
  };

  readonly unregistered = (link: EdgeLink): void => {
    if (link.accountId === undefined && !this.#recordQuick) return;
    const t = this.#local.get(link.tunnelId);
    t?.links.delete(link);
    if (t?.links.size === 0) this.#local.delete(link.tunnelId);
    const tracked = this.#tracked.get(link.connectionId);
    if (tracked !== undefined) {
      tracked.unregisteredAt = this.#store.clock.now();
      if (this.#failures > 0) tracked.late = true;
    }
    this.#touch(link.tunnelId);
  };

  /**
   * Checks every row this edge recorded against its live links and fixes the tunnels that
   * differ (periodically, and when writes pass again). Rejects when the rows cannot be read.
   */
  async reconcile(): Promise<void> {
    // A failed read rejects; the next tick, or the store's recovery, tries again.
    const rows = await this.#store.tunnels.connectionsOfEdge(this.#edgeName);
    const recorded = new Set(rows.map((r) => r.id));
    for (const r of rows) {
      const t = this.#tracked.get(r.id);
      if (t === undefined || t.unregisteredAt !== undefined) this.#dirty.add(r.tunnel_id);
    }
    for (const [id, t] of this.#tracked) {
      if (!t.recorded || t.unregisteredAt !== undefined || !recorded.has(id)) this.#dirty.add(t.link.tunnelId);
    }
    this.#retry?.();
    this.#retry = undefined;
    await this.#kick();
  }

  #touch(tunnelId: string): void {
    this.#dirty.add(tunnelId);
    // While a retry is pending the database is failing: the retry takes this change along.
    // Otherwise the first change of a batch waits a moment for others to share its commit.
    if (this.#retry !== undefined || this.#batch !== undefined || this.#syncing !== undefined) return;
    this.#batch = this.#timers.after(CONNECTION_BATCH_DELAY_MS, () => {
      this.#batch = undefined;
      this.#kick().catch(() => {});
    });
  }

  /** Runs the sync loop unless it runs already (it picks up what was marked dirty meanwhile). */
  #kick(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    // Bounded: each pass empties the dirty set, and a pass with a failure ends the loop.
    while (this.#dirty.size > 0 && !this.#closed) {
      const tunnels = [...this.#dirty].slice(0, MAX_BATCH_TUNNELS);
      for (const id of tunnels) this.#dirty.delete(id);
      let failure: unknown;
      try {
        // One transaction for the whole batch (a group commit).
        if (await this.#syncTunnels(tunnels)) await this.#store.feed.publish('connections');
      } catch {
        // One tunnel's failure must not hold the others: each on its own, as before.
        for (const tunnelId of tunnels) {
          try {
            if (await this.#syncTunnels([tunnelId])) await this.#store.feed.publish('connections');
          } catch (err) {
            failure ??= err;
            this.#dirty.add(tunnelId);
            for (const t of this.#tracked.values()) if (t.link.tunnelId === tunnelId) t.late = true;
          }
        }
      }
      if (failure !== undefined) {
        this.#failed(failure);
        return;
      }
    }
    if (this.#failures > 0) {
      const downMs = this.#timers.now().getTime() - (this.#failingSince?.getTime() ?? 0);
      this.#logger.warn(
        { attempts: this.#failures, downMs },
        `store: tunnel connections recorded again after ${(downMs / 1000).toFixed(1)} s`,
      );
    }
    this.#failures = 0;
    this.#failingSince = undefined;
  }

  #failed(err: unknown): void {
    this.#failures++;
    if (this.#failures === 1) {
      this.#failingSince = this.#timers.now();
      this.#logger.error(
        { err, edge: this.#edgeName, dirtyTunnels: this.#dirty.size },
        'store: could not record tunnel connections; retrying until the database takes writes',
      );
    }
    if (this.#closed || this.#retry !== undefined) return;
    const delay = Math.min(CONNECTION_RETRY_MAX_MS, CONNECTION_RETRY_MIN_MS * 2 ** (this.#failures - 1));
    this.#retry = this.#timers.after(delay, () => {
      this.#retry = undefined;
      this.#kick().catch(() => {});
    });
  }

  /** These tunnels' rows of this edge made equal to their links, in one transaction; true when something changed. */
  async #syncTunnels(tunnelIds: readonly string[]): Promise<boolean> {
    const added: Tracked[] = [];
    const done: Tracked[] = [];
    const wanted = new Set(tunnelIds);
    const changed = await this.#store.transaction(async (tx) => {
      let n = 0;
      for (const tunnelId of tunnelIds) {
        const rows = new Map((await tx.tunnels.connectionsOfEdge(this.#edgeName, tunnelId)).map((r) => [r.id, r]));
        for (const t of this.#tracked.values()) {
          if (t.link.tunnelId !== tunnelId) continue;
          const id = t.link.connectionId;
          const row = rows.get(id);
          rows.delete(id);
          if (t.unregisteredAt === undefined) {
            if (row === undefined) {
              await tx.tunnels.addConnection(this.#row(t));
              // Re-added after someone removed the row: it was announced already.
              if (!t.recorded) await audit(tx, this.#entry(t, 'Registered'));
              n++;
            }
            added.push(t);
            continue;
          }
          if (row !== undefined) {
            await tx.tunnels.removeConnection(id, tunnelId);
            n++;
          } else if (!t.recorded) {
            // It opened and closed while the database failed: its Registered entry is still owed.
            await audit(tx, this.#entry(t, 'Registered'));
          }
          if (row !== undefined || !t.recorded) await audit(tx, this.#entry(t, 'Unregistered'));
          done.push(t);
        }
        // Rows of this edge with no link behind them (a removal that was lost): they go too.
        for (const row of rows.values()) {
          await tx.tunnels.removeConnection(row.id, tunnelId);
          await audit(tx, staleEntry(row, this.#edgeName));
          n++;
        }
      }
      return n > 0;
    });
    for (const t of added) if (wanted.has(t.link.tunnelId)) t.recorded = true;
    for (const t of done) this.#tracked.delete(t.link.connectionId);
    return changed;
  }

  #row(t: Tracked): TunnelConnectionRow {
    const { link } = t;
    return {
      id: link.connectionId,
      tunnel_id: link.tunnelId,
      account_id: t.accountId,
      connector_id: link.connector.connectorId,
      conn_index: link.connector.connIndex,
      edge_name: this.#edgeName,
      origin_ip: link.originIp,
      client_version: link.connector.version,
      arch: `${link.connector.os}_${link.connector.arch}`,
      opened_at: t.registeredAt.toISOString(),
      tags: link.connector.tags === undefined ? null : JSON.stringify(link.connector.tags),
    };
  }

  #entry(t: Tracked, action: 'Registered' | 'Unregistered'): AuditEntry {
    const { link } = t;
    const at = action === 'Registered' ? t.registeredAt : (t.unregisteredAt ?? t.registeredAt);
    return {
      accountId: t.accountId,
      action,
      actor: { id: link.connector.connectorId, email: '', ip: link.originIp, type: 'Cloudflare' },
      interface: 'edge',
      resource: { id: link.tunnelId, type: 'cfd_tunnel' },
      metadata: {
        connection_id: link.connectionId,
        connector_id: link.connector.connectorId,
        conn_index: link.connector.connIndex,
        edge: this.#edgeName,
        origin_ip: link.originIp,
        client_version: link.connector.version,
        // Written after the database came back: when it really happened.
        ...(t.late ? { occurred_at: at.toISOString() } : {}),
      },
    };
  }

  /** Tunnels of the account with a link on this edge. */
  localTunnels(accountId: string): string[] {
    const out: string[] = [];
    for (const [id, t] of this.#local) if (t.accountId === accountId) out.push(id);
    return out;
  }

  /** Drops the links of tunnels that are no longer live (deleted, possibly by another process). */
  dropDeleted(isLive: (tunnelId: string) => boolean): void {
    for (const [id, t] of this.#local) {
      // Quick tunnels are no rows of the tunnels table: never "deleted".
      if (t.accountId === QUICK_ACCOUNT_TAG || isLive(id)) continue;
      this.#logger.info({ tunnelId: id, links: t.links.size }, 'tunnel deleted: dropping its connections');
      for (const link of [...t.links]) link.conn.destroy();
    }
  }

  /** Closes this edge's links of one tunnel (`tunnel cleanup`); running connectors redial. Returns how many. */
  dropTunnel(tunnelId: string, connectorId?: string): number {
    const t = this.#local.get(tunnelId);
    if (t === undefined) return 0;
    // `tunnel cleanup --connector-id`: only that connector's links.
    const links = [...t.links].filter((l) => connectorId === undefined || l.connector.connectorId === connectorId);
    this.#logger.info({ tunnelId, links: links.length }, 'tunnel cleanup: closing its connections');
    for (const link of links) link.conn.destroy();
    return links.length;
  }

  /** Resolves when the writes of every link event so far have been attempted (shutdown, tests). */
  async idle(): Promise<void> {
    this.#batch?.();
    this.#batch = undefined;
    if (this.#dirty.size > 0 && this.#retry === undefined) await this.#kick();
    await this.#syncing;
  }

  /** Stops the schedule and the retries; a sync in flight ends first. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#batch?.();
    this.#batch = undefined;
    this.#retry?.();
    this.#retry = undefined;
    await this.#reconcile.stop();
    await this.idle().catch(() => {});
    this.#closed = true;
  }
}

/** The Unregistered entry of a row this edge holds no link for. */
function staleEntry(row: TunnelConnectionRow, edgeName: string): AuditEntry {
  return {
    accountId: row.account_id,
    action: 'Unregistered',
    actor: { id: row.connector_id, email: '', ip: row.origin_ip, type: 'Cloudflare' },
    interface: 'edge',
    resource: { id: row.tunnel_id, type: 'cfd_tunnel' },
    metadata: {
      connection_id: row.id,
      connector_id: row.connector_id,
      conn_index: row.conn_index,
      edge: edgeName,
      origin_ip: row.origin_ip,
      client_version: row.client_version,
      reconciled: true,
    },
  };
}

/** Appends an audit entry, except for quick tunnels' links: no account owns them, no audit log holds them. */
async function audit(tx: Repositories, entry: AuditEntry): Promise<void> {
  if (entry.accountId === QUICK_ACCOUNT_TAG) return;
  await tx.audit.append(entry);
}
