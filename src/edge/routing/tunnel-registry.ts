import type { EdgeLink } from '../registration/edge-link.js';

interface LiveTunnel {
  links: EdgeLink[];
  next: number;
}

/** Links of tunnels this edge holds none of: the other edges' (routing/peer-directory.ts). */
export interface PeerLinks {
  pick(tunnelId: string): EdgeLink | undefined;
}

export interface RegistryEvents {
  registered?: (link: EdgeLink) => void;
  unregistered?: (link: EdgeLink) => void;
}

/**
 * Bytes a link may have waiting to leave (its socket's queue and this turn's batch) before new
 * requests of its replica spill to the replica's next link.
 */
export const LINK_SPILL_BYTES = 256 * 1024;

/**
 * Live links per tunnel, and the pick over them. All of a tunnel's links (every HA connection of
 * every replica) share one rotation, which decides the replica; the request then goes on that
 * replica's first usable link (see pickLocal).
 */
export class TunnelRegistry {
  readonly #tunnels = new Map<string, LiveTunnel>();
  readonly #events: RegistryEvents;
  /** Asked when this edge has no usable link of a tunnel (several edges on one database). */
  peers: PeerLinks | undefined;

  constructor(events: RegistryEvents = {}) {
    this.#events = events;
  }

  add(link: EdgeLink): void {
    let t = this.#tunnels.get(link.tunnelId);
    if (t === undefined) {
      t = { links: [], next: 0 };
      this.#tunnels.set(link.tunnelId, t);
    }
    t.links.push(link);
    this.#events.registered?.(link);
  }

  remove(link: EdgeLink): void {
    const t = this.#tunnels.get(link.tunnelId);
    if (t === undefined) return;
    const i = t.links.indexOf(link);
    if (i < 0) return;
    t.links.splice(i, 1);
    if (t.links.length === 0) this.#tunnels.delete(link.tunnelId);
    this.#events.unregistered?.(link);
  }

  /**
   * A link to send the next request of this tunnel on: one of this edge's own when it has a
   * usable one (a local link costs no extra hop), else one another edge holds; undefined when
   * there is none.
   */
  pick(tunnelId: string): EdgeLink | undefined {
    return this.pickLocal(tunnelId) ?? this.peers?.pick(tunnelId);
  }

  /**
   * One of this edge's own links of the tunnel, or undefined when none is usable. A stalled
   * link is picked only when every live link is stalled: a wait on one that may wake up serves a
   * visitor better than a refusal (a load balancer's "fail open").
   *
   * Each request takes the next link of the rotation, which decides the replica: replicas share
   * the load request by request (in proportion to their links), however the requests bunch into
   * loop turns. A replica's HA links are for failover, not for spreading its load: the rotation's pick is
   * replaced by the replica's first usable link (registration order) whose queue is under
   * LINK_SPILL_BYTES. Spreading the requests over 4 links costs 4 TLS writes and 4 wake-ups of
   * each side per loop turn where one would do (bench: c=50 hop CPU 76-84 µs with 4 links against
   * 57-70 µs with 1). A link that is backed up, or carries a large transfer (EdgeLink.bulk), lets
   * new requests spill to the next one: a small request never waits behind a download's bytes.
   */
  pickLocal(tunnelId: string): EdgeLink | undefined {
    const t = this.#tunnels.get(tunnelId);
    if (t === undefined) return undefined;
    const links = t.links;
    const n = links.length;
    let stalled: number | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (t.next + i) % n;
      const link = links[idx] as EdgeLink;
      if (link.draining || link.conn.closed) continue;
      if (link.stalled === true) {
        stalled ??= idx;
        continue;
      }
      t.next = idx + 1;
      return firstOfReplica(links, link);
    }
    if (stalled === undefined) return undefined;
    t.next = stalled + 1;
    return links[stalled];
  }

  /** Whether the tunnel has a link that is neither draining, closed nor stalled. */
  hasResponsiveLink(tunnelId: string): boolean {
    const links = this.#tunnels.get(tunnelId)?.links ?? [];
    return links.some(responsive);
  }

  /** This edge's live link with this connection id, if any. */
  linkById(tunnelId: string, connectionId: string): EdgeLink | undefined {
    const link = this.#tunnels.get(tunnelId)?.links.find((l) => l.connectionId === connectionId);
    return link !== undefined && responsive(link) ? link : undefined;
  }

  links(tunnelId: string): readonly EdgeLink[] {
    return this.#tunnels.get(tunnelId)?.links ?? [];
  }

  /** Tunnels with at least one live link. */
  get tunnelCount(): number {
    return this.#tunnels.size;
  }

  *allLinks(): Iterable<EdgeLink> {
    for (const t of this.#tunnels.values()) yield* t.links;
  }
}

/**
 * The first link of `picked`'s replica (same connector, registration order) that is usable, not
 * backed up and carries no bulk transfer; `picked` (usable) when there is none.
 */
function firstOfReplica(links: readonly EdgeLink[], picked: EdgeLink): EdgeLink {
  const connectorId = picked.connector.connectorId;
  for (const link of links) {
    if (
      link.connector.connectorId === connectorId &&
      responsive(link) &&
      (link.bulk ?? 0) === 0 &&
      link.conn.writableLength <= LINK_SPILL_BYTES
    ) {
      return link;
    }
  }
  return picked;
}

/** Neither draining, closed nor stalled: a link new requests may take. */
function responsive(link: EdgeLink): boolean {
  return !link.draining && !link.conn.closed && link.stalled !== true;
}
