import type { RegisterFailure } from '../../protocol/index.js';
import type { TunnelPortLimits } from './tunnel-admission.js';

export type LinkQuotaLimits = Pick<TunnelPortLimits, 'maxLinksPerTunnel' | 'maxQuickLinksPerSource' | 'maxQuickLinks'>;

/** A place for one registered link; `release()` (idempotent) gives it back when the link closes. */
export interface LinkClaim {
  release(): void;
}

/**
 * Bounds registered links by what they registered for, not by the address they come from:
 *  - every tunnel: at most `maxLinksPerTunnel` links on this edge process (its replicas × their HA
 *    connections). With the account's running-tunnel limit (NamedTunnelAuthenticator) this bounds
 *    an account at `--max-tunnels-per-account` × `--tunnel-max-links-per-tunnel` links;
 *  - quick tunnels have no account: their links count per source address (IPv4, IPv6 /64) and in
 *    total, so one address holds at most `maxQuickLinksPerSource` and all together `maxQuickLinks`.
 * An address may carry any number of named tunnels' links, of any number of accounts.
 *
 * Claims are taken when a registration is accepted (before the Registered answer goes out), in
 * the same turn as the check, so concurrent registrations cannot overshoot.
 */
export class LinkQuota {
  readonly #limits: LinkQuotaLimits;
  readonly #byTunnel = new Map<string, number>();
  readonly #quickBySource = new Map<string, number>();
  #quick = 0;
  #refused = 0;

  constructor(limits: LinkQuotaLimits) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${name} must be a positive integer, got ${v}`);
    }
    this.#limits = limits;
  }

  /** Registrations refused by one of these limits. */
  get refused(): number {
    return this.#refused;
  }

  /** Registered quick-tunnel links, all sources. */
  get quickLinks(): number {
    return this.#quick;
  }

  /**
   * Before a quick registration is authenticated (and a quick-tunnel name minted for it): the
   * refusal it would get now, or undefined when a quick link from `source` still fits.
   */
  quickRefusal(source: string): RegisterFailure | undefined {
    const fromSource = this.#quickBySource.get(source) ?? 0;
    if (fromSource >= this.#limits.maxQuickLinksPerSource) {
      return refusal(
        'WARREN_QUICK_LINK_LIMIT',
        `${fromSource} quick-tunnel connections are already open from your address, the most one address may ` +
          `(--quick-tunnel-max-links-per-source ${this.#limits.maxQuickLinksPerSource}); stop a quick tunnel, ` +
          'or run a named tunnel (warren tunnel create), which its account answers for instead of its address',
      );
    }
    if (this.#quick >= this.#limits.maxQuickLinks) {
      return refusal(
        'WARREN_QUICK_LINK_LIMIT',
        `this edge already carries ${this.#quick} quick-tunnel connections, the most it takes ` +
          `(--quick-tunnel-max-links ${this.#limits.maxQuickLinks}); try again later, or run a named tunnel (warren tunnel create)`,
      );
    }
    return undefined;
  }

  /** A place for one link of `tunnelId`; `quickSource` is the source of a link without an account. */
  claim(
    tunnelId: string,
    quickSource: string | undefined,
  ): { ok: true; claim: LinkClaim } | { ok: false; failure: RegisterFailure } {
    const links = this.#byTunnel.get(tunnelId) ?? 0;
    if (links >= this.#limits.maxLinksPerTunnel) {
      this.#refused++;
      return {
        ok: false,
        failure: refusal(
          'WARREN_TUNNEL_LINK_LIMIT',
          `tunnel ${tunnelId} already has ${links} connections to this edge, the most one tunnel may ` +
            `(--tunnel-max-links-per-tunnel ${this.#limits.maxLinksPerTunnel}, e.g. ` +
            `${Math.max(1, Math.floor(this.#limits.maxLinksPerTunnel / 4))} replicas of 4 connections); ` +
            'stop a replica, or run fewer --ha-connections per replica',
        ),
      };
    }
    if (quickSource !== undefined) {
      const full = this.quickRefusal(quickSource);
      if (full !== undefined) {
        this.#refused++;
        return { ok: false, failure: full };
      }
      this.#quick++;
      bump(this.#quickBySource, quickSource, 1);
    }
    bump(this.#byTunnel, tunnelId, 1);
    let held = true;
    return {
      ok: true,
      claim: {
        release: () => {
          if (!held) return;
          held = false;
          bump(this.#byTunnel, tunnelId, -1);
          if (quickSource !== undefined) {
            this.#quick--;
            bump(this.#quickBySource, quickSource, -1);
          }
        },
      },
    };
  }

  /** A refusal counted by `refused` (for the pre-authentication check). */
  countRefusal(): void {
    this.#refused++;
  }
}

function refusal(code: 'WARREN_TUNNEL_LINK_LIMIT' | 'WARREN_QUICK_LINK_LIMIT', message: string): RegisterFailure {
  // Retryable: the limit lifts when a link closes; the connector retries slowly (it says which limit).
  return { code, message, retryable: true };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
