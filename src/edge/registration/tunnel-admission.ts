import { isIPv6 } from 'node:net';

/** What the tunnel port lets one source, and everyone together, hold open. */
export interface TunnelPortLimits {
  /** From TCP accept to a registered link (TLS handshake and Register); then the connection closes. */
  handshakeTimeoutMs: number;
  /** Connections accepted but not yet registered, all sources together. */
  maxPendingHandshakes: number;
  /** Connections accepted but not yet registered, from one source. */
  maxPendingHandshakesPerSource: number;
  /** Connections from one source, registered or not. */
  maxConnectionsPerSource: number;
}

export type AdmissionRefusal = 'pending-handshakes' | 'pending-handshakes-per-source' | 'connections-per-source';

/** One admitted connection: pending until `registered()`, counted until `release()`. Both are idempotent. */
export interface AdmissionTicket {
  readonly source: string;
  registered(): void;
  release(): void;
}

/**
 * Counts tunnel-port connections by source before the TLS handshake, so that an address which
 * opens connections and never authenticates runs into a cap instead of the process's file
 * descriptors. A source is an IPv4 address or an IPv6 /64 (one host usually holds a whole /64).
 */
export class TunnelAdmission {
  readonly #limits: TunnelPortLimits;
  #pending = 0;
  readonly #pendingBySource = new Map<string, number>();
  readonly #connectionsBySource = new Map<string, number>();

  constructor(limits: TunnelPortLimits) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${name} must be a positive integer, got ${v}`);
    }
    this.#limits = limits;
  }

  get pending(): number {
    return this.#pending;
  }

  admit(ip: string): { ok: true; ticket: AdmissionTicket } | { ok: false; reason: AdmissionRefusal } {
    const source = sourceOf(ip);
    const pendingHere = this.#pendingBySource.get(source) ?? 0;
    const connectionsHere = this.#connectionsBySource.get(source) ?? 0;
    if (connectionsHere >= this.#limits.maxConnectionsPerSource) return { ok: false, reason: 'connections-per-source' };
    if (pendingHere >= this.#limits.maxPendingHandshakesPerSource) {
      return { ok: false, reason: 'pending-handshakes-per-source' };
    }
    if (this.#pending >= this.#limits.maxPendingHandshakes) return { ok: false, reason: 'pending-handshakes' };
    this.#pending++;
    this.#pendingBySource.set(source, pendingHere + 1);
    this.#connectionsBySource.set(source, connectionsHere + 1);
    let pending = true;
    let released = false;
    const endPending = (): void => {
      if (!pending) return;
      pending = false;
      this.#pending--;
      decrement(this.#pendingBySource, source);
    };
    return {
      ok: true,
      ticket: {
        source,
        registered: endPending,
        release: () => {
          if (released) return;
          released = true;
          endPending();
          decrement(this.#connectionsBySource, source);
        },
      },
    };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
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
