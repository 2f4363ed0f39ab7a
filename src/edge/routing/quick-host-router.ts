import type { HostRouter } from '../visitor-proxy.js';

/**
 * Quick-tunnel hostnames: each is claimed by one tunnel when it authenticates and kept, so a
 * dropped tunnel answers 530, not 404, and its name is never handed to another tunnel while
 * this edge runs. (After a restart the name follows from the tunnel id again: see
 * QuickTunnelAuthority.hostnameFor.)
 */
export class QuickHostRouter implements HostRouter {
  readonly #hosts = new Map<string, string>();
  readonly #next: HostRouter | undefined;
  readonly #byName: ((host: string) => string | undefined) | undefined;

  /**
   * `byName` (several edges): a quick hostname this edge never saw names its tunnel by itself
   * (QuickTunnelAuthority.tunnelIdFor), so a request for a quick tunnel linked to another edge
   * is forwarded there like a named tunnel's.
   */
  constructor(next?: HostRouter, byName?: (host: string) => string | undefined) {
    this.#next = next;
    this.#byName = byName;
  }

  /** Gives `hostname` to `tunnelId` unless another tunnel holds it; true when `tunnelId` holds it now. */
  claim(hostname: string, tunnelId: string): boolean {
    const holder = this.#hosts.get(hostname);
    if (holder !== undefined) return holder === tunnelId;
    this.#hosts.set(hostname, tunnelId);
    return true;
  }

  resolve(host: string): string | undefined {
    return this.#hosts.get(host) ?? this.#next?.resolve(host) ?? this.#byName?.(host);
  }
}
