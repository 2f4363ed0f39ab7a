import type { Logger } from 'pino';
import type { EdgeLink } from '../edge/index.js';
import type { Store } from '../store/index.js';

/** Most link changes written in one transaction. */
const MAX_BATCH = 200;
/**
 * How long a link change waits for others to share its commit (50 milliseconds). SQLite's commit
 * blocks the event loop, so nothing queues up while one runs: a batch only forms if it waits.
 */
const FLUSH_DELAY_MS = 50;

interface LinkChange {
  link: EdgeLink;
  accountId: string;
  action: 'Registered' | 'Unregistered';
  /** When the edge saw it (opened_at of a Registered row). */
  at: string;
}

/**
 * Mirrors this edge's named-tunnel links into the store (for `/connections`, status and the
 * per-account limit across edges) and writes their Registered / Unregistered audit entries.
 * The edge's callbacks are synchronous; the changes queue in one FIFO, so an Unregistered never
 * overtakes its Registered, and are written in batches, one transaction each (a group commit):
 * SQLite commits with an fsync that blocks the event loop (about 4 ms on the bench machine), and
 * a fleet of 1000 tunnels × 4 links registering at once would otherwise stall the edge 4000 times.
 */
export class ConnectionTracker {
  readonly #store: Store;
  readonly #edgeName: string;
  readonly #logger: Logger;
  /** Named links on this edge, by tunnel id. */
  readonly #local = new Map<string, { accountId: string; links: Set<EdgeLink> }>();
  #queue: LinkChange[] = [];
  /** The running flush, while there is one. */
  #flushing: Promise<void> | undefined;

  constructor(store: Store, edgeName: string, logger: Logger) {
    this.#store = store;
    this.#edgeName = edgeName;
    this.#logger = logger;
  }

  /** Forgets connections this edge recorded before a crash or restart: it holds none now. */
  async start(): Promise<void> {
    await this.#store.tunnels.clearEdge(this.#edgeName);
    await this.#store.feed.publish('connections');
  }

  readonly registered = (link: EdgeLink): void => {
    const accountId = link.accountId;
    if (accountId === undefined) return; // quick tunnel: no account, nothing to record
    let t = this.#local.get(link.tunnelId);
    if (t === undefined) {
      t = { accountId, links: new Set() };
      this.#local.set(link.tunnelId, t);
    }
    t.links.add(link);
    this.#enqueue({ link, accountId, action: 'Registered', at: this.#store.clock.now().toISOString() });
  };

  readonly unregistered = (link: EdgeLink): void => {
    const accountId = link.accountId;
    if (accountId === undefined) return;
    const t = this.#local.get(link.tunnelId);
    t?.links.delete(link);
    if (t?.links.size === 0) this.#local.delete(link.tunnelId);
    this.#enqueue({ link, accountId, action: 'Unregistered', at: this.#store.clock.now().toISOString() });
  };

  #entry(link: EdgeLink, accountId: string, action: 'Registered' | 'Unregistered') {
    return {
      accountId,
      action,
      actor: { id: link.connector.connectorId, email: '', ip: link.originIp, type: 'Cloudflare' as const },
      interface: 'edge',
      resource: { id: link.tunnelId, type: 'cfd_tunnel' },
      metadata: {
        connection_id: link.connectionId,
        connector_id: link.connector.connectorId,
        conn_index: link.connector.connIndex,
        edge: this.#edgeName,
        origin_ip: link.originIp,
        client_version: link.connector.version,
      },
    };
  }

  #enqueue(change: LinkChange): void {
    this.#queue.push(change);
    this.#flushing ??= this.#flush();
  }

  /** Writes the queue in batches until it is empty; changes queued meanwhile join the next batch. */
  async #flush(): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, FLUSH_DELAY_MS));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.#write(batch);
      } catch {
        // One change the store refuses must not lose the others: write them one by one.
        for (const change of batch) {
          await this.#write([change]).catch((err: unknown) => {
            this.#logger.error(
              { err, tunnelId: change.link.tunnelId, connIndex: change.link.connector.connIndex },
              'store: could not record a tunnel connection',
            );
          });
        }
      }
    }
    // No await between the last look at the queue and this: a change queued later starts a new flush.
    this.#flushing = undefined;
  }

  async #write(batch: LinkChange[]): Promise<void> {
    await this.#store.transaction(async (tx) => {
      for (const { link, accountId, action, at } of batch) {
        if (action === 'Registered') {
          await tx.tunnels.addConnection({
            id: link.connectionId,
            tunnel_id: link.tunnelId,
            account_id: accountId,
            connector_id: link.connector.connectorId,
            conn_index: link.connector.connIndex,
            edge_name: this.#edgeName,
            origin_ip: link.originIp,
            client_version: link.connector.version,
            arch: `${link.connector.os}_${link.connector.arch}`,
            opened_at: at,
            tags: link.connector.tags === undefined ? null : JSON.stringify(link.connector.tags),
          });
        } else {
          await tx.tunnels.removeConnection(link.connectionId, link.tunnelId);
        }
        await tx.audit.append(this.#entry(link, accountId, action));
      }
    });
    await this.#store.feed.publish('connections');
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
      if (isLive(id)) continue;
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

  /** Resolves when every queued write has been attempted (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }
}
