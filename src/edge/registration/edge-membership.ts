import type { Logger } from 'pino';
import { WarrenError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../../time/index.js';

export const EDGE_HEARTBEAT_MS = 1_000; // 1 second between an edge's heartbeats
/** An edge silent this long is gone: its row and its tunnel connections are removed by any live edge. */
export const EDGE_SILENT_MS = 5_000; // 5 seconds

export interface EdgeIdentity {
  id: string;
  /** The Cf-Ray suffix and `colo_name` of its connections. */
  name: string;
  /** HOST:PORT of its edge-to-edge listener. */
  peerAddress: string;
}

/**
 * This edge's row in `edge_members`: written at start, refreshed every EDGE_HEARTBEAT_MS, removed
 * at a clean stop. Each beat also sweeps the edges that stopped beating (SIGKILL, a lost host):
 * their rows and the tunnel connections they recorded go, so `/connections` and the other edges'
 * forwarding forget them within EDGE_SILENT_MS and a beat.
 */
export class EdgeMembership {
  readonly #store: Store;
  readonly #me: EdgeIdentity;
  readonly #logger: Logger;
  readonly #timers: Timers;
  /** Called when this edge's row had been swept (it was silent too long) and was written again. */
  readonly #onRejoined: () => void;
  #stop: Cancel | undefined;
  #beating: Promise<void> | undefined;

  constructor(store: Store, me: EdgeIdentity, logger: Logger, onRejoined: () => void, timers: Timers = SYSTEM_TIMERS) {
    this.#store = store;
    this.#me = me;
    this.#logger = logger;
    this.#onRejoined = onRejoined;
    this.#timers = timers;
  }

  get identity(): EdgeIdentity {
    return this.#me;
  }

  /**
   * Refuses to start beside a live edge of the same name: their connection rows would mix, and
   * the newcomer's start-up (which forgets the rows its name held before a restart) would wipe
   * the running edge's. Call before anything of the edge starts.
   */
  static async assertNameFree(store: Store, name: string): Promise<void> {
    const since = new Date(store.clock.now().getTime() - EDGE_SILENT_MS);
    const twin = (await store.edges.live(since)).find((m) => m.name === name);
    if (twin !== undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `an edge named "${name}" is running (at ${twin.peer_address}, last heartbeat ${twin.heartbeat_at}); give every edge its own --name`,
      );
    }
  }

  /**
   * For a worker the `--workers` primary forked again after its predecessor of the same name died:
   * that row is still fresh (it beat less than EDGE_SILENT_MS ago) but nobody holds it, so it and
   * its connection rows go now instead of at the next sweep. Only the primary, which saw the exit,
   * asks for this.
   */
  static async takeOver(store: Store, name: string): Promise<void> {
    const since = new Date(store.clock.now().getTime() - EDGE_SILENT_MS);
    const dead = (await store.edges.live(since)).filter((m) => m.name === name);
    for (const m of dead) await store.edges.leave(m.id);
    if (dead.length === 0) return;
    await store.tunnels.clearEdge(name);
    await store.feed.publish('edges');
    await store.feed.publish('connections');
  }

  /** Joins and starts beating. */
  async start(): Promise<void> {
    await this.#join();
    this.#stop = this.#timers.every(EDGE_HEARTBEAT_MS, () => {
      this.#beating ??= this.#beat().finally(() => {
        this.#beating = undefined;
      });
    });
  }

  async #join(): Promise<void> {
    await this.#store.edges.join({ id: this.#me.id, name: this.#me.name, peer_address: this.#me.peerAddress });
    await this.#store.feed.publish('edges');
  }

  async #beat(): Promise<void> {
    try {
      if (!(await this.#store.edges.heartbeat(this.#me.id))) {
        this.#logger.warn({ edge: this.#me.name }, 'edge membership: this edge was taken for gone; joining again');
        await this.#join();
        this.#onRejoined();
      }
      await this.sweep();
    } catch (err) {
      this.#logger.debug({ err }, 'edge membership: heartbeat failed; next beat later');
    }
  }

  /** Removes the edges silent for EDGE_SILENT_MS, with their tunnel connections; returns their names. */
  async sweep(): Promise<string[]> {
    const before = new Date(this.#store.clock.now().getTime() - EDGE_SILENT_MS);
    const gone: string[] = [];
    for (const m of await this.#store.edges.silent(before)) {
      if (m.id === this.#me.id) continue;
      // Only the process whose delete removed the row clears its connections (several edges sweep).
      if (!(await this.#store.edges.removeSilent(m.id, before))) continue;
      await this.#store.tunnels.clearEdge(m.name);
      gone.push(m.name);
      this.#logger.warn(
        { edge: m.name, lastHeartbeat: m.heartbeat_at },
        'edge membership: an edge stopped; its connections are removed',
      );
    }
    if (gone.length > 0) {
      await this.#store.feed.publish('edges');
      await this.#store.feed.publish('connections');
    }
    return gone;
  }

  /** Stops beating and removes this edge's row. */
  async close(): Promise<void> {
    this.#stop?.();
    this.#stop = undefined;
    await this.#beating;
    try {
      await this.#store.edges.leave(this.#me.id);
      await this.#store.feed.publish('edges');
    } catch (err) {
      this.#logger.debug({ err }, 'edge membership: could not remove this edge; it expires on its own');
    }
  }
}
