import { isIPv6 } from 'node:net';

/**
 * What the tunnel port lets connections hold. Before registration a connection is a stranger and
 * is bounded by its source address; once registered it is bounded by what it registered for: a
 * named tunnel by its account (tunnels per account × links per tunnel), a quick tunnel, which has
 * no account, by its source again (see docs/security.md, "Tunnel port").
 */
export interface TunnelPortLimits {
  /** From TCP accept to a registered link (TLS handshake and Register); then the connection closes. */
  handshakeTimeoutMs: number;
  /** Connections accepted but not yet registered, all sources together. */
  maxPendingHandshakes: number;
  /** Connections accepted but not yet registered, from one source. */
  maxPendingHandshakesPerSource: number;
  /** Registered links of one tunnel on this edge process: its replicas × their HA connections. */
  maxLinksPerTunnel: number;
  /** Registered quick-tunnel links from one source: no account answers for them. */
  maxQuickLinksPerSource: number;
  /** Registered quick-tunnel links, all sources together. */
  maxQuickLinks: number;
}

export type AdmissionRefusal = 'pending-handshakes' | 'pending-handshakes-per-source';

/** One admitted connection: pending until `registered()` or `release()` (both idempotent). */
export interface AdmissionTicket {
  readonly source: string;
  registered(): void;
  release(): void;
}

interface Pending {
  /** Closes the connection: it lost its place to a source holding fewer (see `admit`). */
  evict: () => void;
  end: () => void;
}

/**
 * Counts tunnel-port connections that have not registered, by source, before the TLS handshake,
 * so that an address which opens connections and never authenticates runs into a cap instead of
 * the process's file descriptors. A source is an IPv4 address or an IPv6 /64 (one host usually
 * holds a whole /64). Registered links are not counted here: they have proved a tunnel secret,
 * and LinkQuota bounds them by what they registered for.
 *
 * When every pending place is taken, a newcomer from a source that holds at least two fewer than
 * the largest holder takes that holder's oldest place (the holder's connection is closed): many
 * sources that each stay under their own cap can fill the total, but cannot lock out an address
 * that holds few, e.g. a fleet's connectors redialing after a restart of the edge.
 */
export class TunnelAdmission {
  readonly #limits: Pick<TunnelPortLimits, 'maxPendingHandshakes' | 'maxPendingHandshakesPerSource'>;
  #pending = 0;
  #evicted = 0;
  /** Insertion-ordered: the first entry of a source is its oldest pending connection. */
  readonly #pendingBySource = new Map<string, Set<Pending>>();

  constructor(limits: Pick<TunnelPortLimits, 'maxPendingHandshakes' | 'maxPendingHandshakesPerSource'>) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${name} must be a positive integer, got ${v}`);
    }
    this.#limits = limits;
  }

  get pending(): number {
    return this.#pending;
  }

  /** Pending connections closed to make room for a source that held fewer. */
  get evicted(): number {
    return this.#evicted;
  }

  /** `evict` closes this connection if a source holding fewer needs its place. */
  admit(
    ip: string,
    evict: () => void,
  ): { ok: true; ticket: AdmissionTicket } | { ok: false; reason: AdmissionRefusal } {
    const source = sourceOf(ip);
    const here = this.#pendingBySource.get(source);
    const held = here?.size ?? 0;
    if (held >= this.#limits.maxPendingHandshakesPerSource) {
      return { ok: false, reason: 'pending-handshakes-per-source' };
    }
    if (this.#pending >= this.#limits.maxPendingHandshakes && !this.#evictFromLargest(held)) {
      return { ok: false, reason: 'pending-handshakes' };
    }
    const set = here ?? new Set<Pending>();
    if (here === undefined) this.#pendingBySource.set(source, set);
    let pending = true;
    const entry: Pending = {
      evict,
      end: () => {
        if (!pending) return;
        pending = false;
        this.#pending--;
        set.delete(entry);
        if (set.size === 0 && this.#pendingBySource.get(source) === set) this.#pendingBySource.delete(source);
      },
    };
    set.add(entry);
    this.#pending++;
    return { ok: true, ticket: { source, registered: entry.end, release: entry.end } };
  }

  /** Frees the oldest place of the source holding the most, when it holds at least `held + 2`. */
  #evictFromLargest(held: number): boolean {
    let largest: Set<Pending> | undefined;
    for (const set of this.#pendingBySource.values()) {
      if (largest === undefined || set.size > largest.size) largest = set;
    }
    if (largest === undefined || largest.size < held + 2) return false;
    const oldest = largest.values().next();
    if (oldest.done === true) return false;
    oldest.value.end();
    this.#evicted++;
    oldest.value.evict();
    return true;
  }
}

/** The IPv4 address, or the /64 of an IPv6 address (`2001:db8:0:1::/64`). */
export function sourceOf(ip: string): string {
  if (!isIPv6(ip) || ip.includes('.')) return ip;
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
