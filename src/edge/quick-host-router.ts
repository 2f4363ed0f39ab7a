import type { HostRouter } from './visitor-proxy.js';

/** Quick-tunnel hostnames, learnt when their first link registers and kept so a dropped tunnel answers 530, not 404. */
export class QuickHostRouter implements HostRouter {
  readonly #hosts = new Map<string, string>();
  readonly #next: HostRouter | undefined;

  constructor(next?: HostRouter) {
    this.#next = next;
  }

  remember(hostname: string, tunnelId: string): void {
    this.#hosts.set(hostname, tunnelId);
  }

  resolve(host: string): string | undefined {
    return this.#hosts.get(host) ?? this.#next?.resolve(host);
  }
}
