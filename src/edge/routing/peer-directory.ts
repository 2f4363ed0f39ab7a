import tls from 'node:tls';
import type { Logger } from 'pino';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, MuxConnection } from '../../protocol/index.js';
import type { PeerLinkRow, Store } from '../../store/index.js';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import type { EdgeLink } from '../registration/edge-link.js';
import { EDGE_SILENT_MS } from '../registration/edge-membership.js';
import { PEER_COMMON_NAME, type PeerTlsMaterial } from '../registration/peer-listener.js';
import { peerHead } from '../registration/peer-relay.js';
import type { PeerLinks } from './tunnel-registry.js';

/** How often the other edges' connections are read again even without a change notification. */
export const PEER_RELOAD_MS = 2_000; // 2 seconds
const RELOAD_DEBOUNCE_MS = 20; // link changes arrive in bursts: one read for a burst
const REDIAL_MIN_MS = 250;
const REDIAL_MAX_MS = 5_000;
const DIAL_TIMEOUT_MS = 5_000;

interface Peer {
  id: string;
  name: string;
  address: string;
  conn: MuxConnection | undefined;
  dialing: boolean;
  failures: number;
  redialAt: number;
}

export interface PeerDirectoryOptions {
  store: Store;
  /** This edge's member id: its own rows are never a peer. */
  selfId: string;
  tls: PeerTlsMaterial;
  initialWindow: number;
  logger: Logger;
  timers?: Timers | undefined;
}

/**
 * The tunnel connections other live edges hold, and one multiplexed, mutually authenticated link
 * to each of those edges. When this edge has no link of a tunnel, `pick` returns one of another
 * edge's, round robin over all of them (an edge holding more links gets more requests); a request
 * sent on it names the tunnel and the connection, and the holder relays it (peer-relay.ts).
 *
 * When a peer's link drops (the edge was killed), the peer stops being picked at once, and its
 * requests that may be sent again (no body, idempotent, no response yet) are reset as stalled so
 * the visitor proxy sends them through another edge instead of failing them.
 */
export class PeerDirectory implements PeerLinks {
  readonly #o: PeerDirectoryOptions;
  readonly #timers: Timers;
  readonly #peers = new Map<string, Peer>();
  #byTunnel = new Map<string, { rows: PeerLinkRow[]; next: number }>();
  #unsubscribe: (() => void) | undefined;
  #periodic: Cancel | undefined;
  #debounce: Cancel | undefined;
  #loading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: PeerDirectoryOptions) {
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#o.store.feed.subscribe((topic) => {
      if (topic !== 'connections' && topic !== 'edges') return;
      this.#debounce ??= this.#timers.after(RELOAD_DEBOUNCE_MS, () => {
        this.#debounce = undefined;
        this.reload().catch(() => {});
      });
    });
    this.#periodic = this.#timers.every(PEER_RELOAD_MS, () => {
      this.reload().catch(() => {});
    });
    await this.reload();
  }

  /** Reads the live edges and their connections again (one read at a time; a call meanwhile runs one more). */
  reload(): Promise<void> {
    if (this.#loading !== undefined) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = this.#load()
      .catch((err: unknown) => this.#o.logger.debug({ err }, 'peers: could not read the other edges; next read later'))
      .finally(() => {
        this.#loading = undefined;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.reload().catch(() => {});
        }
      });
    return this.#loading;
  }

  async #load(): Promise<void> {
    const { store, selfId } = this.#o;
    const since = new Date(store.clock.now().getTime() - EDGE_SILENT_MS);
    const [members, rows] = await Promise.all([store.edges.live(since), store.edges.peerLinks(selfId, since)]);
    if (this.#closed) return;
    const live = new Set<string>();
    for (const m of members) {
      if (m.id === selfId) continue;
      live.add(m.id);
      const known = this.#peers.get(m.id);
      if (known === undefined) {
        this.#peers.set(m.id, {
          id: m.id,
          name: m.name,
          address: m.peer_address,
          conn: undefined,
          dialing: false,
          failures: 0,
          redialAt: 0,
        });
      }
    }
    for (const [id, p] of this.#peers) {
      if (live.has(id)) continue;
      // No longer picked; requests under way on its link finish (a stopping edge drains, then closes it).
      this.#peers.delete(id);
      if (p.conn !== undefined && p.conn.streams.size === 0) p.conn.close();
    }
    const byTunnel = new Map<string, { rows: PeerLinkRow[]; next: number }>();
    for (const r of rows) {
      let t = byTunnel.get(r.tunnel_id);
      if (t === undefined) {
        t = { rows: [], next: this.#byTunnel.get(r.tunnel_id)?.next ?? 0 };
        byTunnel.set(r.tunnel_id, t);
      }
      t.rows.push(r);
    }
    this.#byTunnel = byTunnel;
    // Links are dialled ahead of need: a request never waits for a TLS handshake to another edge.
    for (const p of this.#peers.values()) this.#dial(p);
  }

  pick(tunnelId: string): EdgeLink | undefined {
    const t = this.#byTunnel.get(tunnelId);
    if (t === undefined) return undefined;
    const n = t.rows.length;
    for (let i = 0; i < n; i++) {
      const idx = (t.next + i) % n;
      const row = t.rows[idx] as PeerLinkRow;
      const conn = this.#peers.get(row.edge_id)?.conn;
      if (conn === undefined || conn.closed) continue;
      t.next = idx + 1;
      return peerLink(row, conn, this.#timers.now());
    }
    return undefined;
  }

  /** Names of the edges this edge has an open link to (diagnostics, tests). */
  connectedPeers(): string[] {
    return [...this.#peers.values()].filter((p) => p.conn !== undefined && !p.conn.closed).map((p) => p.name);
  }

  #dial(peer: Peer): void {
    if (this.#closed || peer.dialing || (peer.conn !== undefined && !peer.conn.closed)) return;
    if (this.#timers.now().getTime() < peer.redialAt) return;
    peer.dialing = true;
    const { host, port } = splitAddress(peer.address);
    const socket = tls.connect({
      host,
      port,
      ca: [this.#o.tls.caPem],
      cert: this.#o.tls.certPem,
      key: this.#o.tls.keyPem,
      minVersion: 'TLSv1.3',
      // Any edge of this deployment is who we want: its certificate is a peer one from our CA.
      checkServerIdentity: (_host, cert) =>
        cert.subject?.CN === PEER_COMMON_NAME ? undefined : new Error('not an edge peer certificate'),
    });
    socket.setTimeout(DIAL_TIMEOUT_MS, () => socket.destroy(new Error('TLS handshake timed out')));
    const failed = (err: Error): void => {
      if (!peer.dialing) return;
      peer.dialing = false;
      peer.failures++;
      peer.redialAt = this.#timers.now().getTime() + Math.min(REDIAL_MAX_MS, REDIAL_MIN_MS * 2 ** (peer.failures - 1));
      this.#o.logger.debug(
        { peer: peer.name, address: peer.address, err: err.message },
        'peers: could not reach an edge',
      );
      socket.destroy();
    };
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      socket.off('error', failed);
      peer.dialing = false;
      peer.failures = 0;
      socket.setNoDelay(true);
      // Before the link's own close handler: stop picking this peer, and hand the requests that
      // may be replayed back to the visitor proxy as stalled, so they go through another edge.
      socket.once('close', () => {
        if (peer.conn === conn) peer.conn = undefined;
        for (const s of [...conn.streams.values()]) {
          if (s.replayable) s.handleReset({ code: 'WARREN_LINK_STALLED', message: `edge ${peer.name} went away` });
        }
      });
      const conn = new MuxConnection(socket, {
        role: 'edge',
        initialWindow: this.#o.initialWindow,
        heartbeatMs: DEFAULT_HEARTBEAT_MS,
        heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
      });
      conn.onControl = () => {};
      conn.onClose = () => {
        if (peer.conn === conn) peer.conn = undefined;
        peer.redialAt = this.#timers.now().getTime() + REDIAL_MIN_MS;
      };
      conn.startHeartbeat();
      peer.conn = conn;
      this.#o.logger.info({ peer: peer.name, address: peer.address }, 'peers: linked to an edge');
    });
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#periodic?.();
    this.#debounce?.();
    for (const p of this.#peers.values()) p.conn?.destroy();
    this.#peers.clear();
  }
}

/** A link of another edge, as the visitor proxy uses one: requests go on the edge-to-edge link, naming it. */
function peerLink(row: PeerLinkRow, conn: MuxConnection, now: Date): EdgeLink {
  return {
    conn,
    connectionId: row.connection_id,
    tunnelId: row.tunnel_id,
    accountId: row.account_id,
    connector: { connectorId: row.connector_id, connIndex: row.conn_index, version: '', arch: '', os: '' },
    originIp: '',
    connectedAt: now,
    hostname: undefined,
    draining: false,
    openStream: (head) => conn.openStream(peerHead(head, row.tunnel_id, row.connection_id)),
  };
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}
