import type { Logger } from 'pino';
import type { Store, ZoneRow } from '../../store/index.js';
import type { NsLookup } from '../zones/delegation-lookup.js';
import { activateZone } from '../zones/zone-ownership.js';

export const ZONE_DELEGATION_SWEEP_MS = 60_000; // 1 minute between sweeps of pending full zones
export const ZONE_DELEGATION_FIRST_RETRY_MS = 60_000; // 1 minute after a zone's first unsuccessful check
export const ZONE_DELEGATION_MAX_RETRY_MS = 3_600_000; // 1 hour: the longest wait between two checks of one zone
/** The store's backoff book of unsuccessful checks, shared by every process. */
const BACKOFF_BOOK = 'zone-activation';

/** The nameservers a full zone must be delegated to: `ns1.<domain>`, `ns2.<domain>`. */
export function serviceNameservers(domain: string): string[] {
  return [`ns1.${domain}`, `ns2.${domain}`];
}

/**
 * Activates pending full zones whose delegation points at warren: every NS record of the zone
 * must be one of ns1/ns2.<domain>. A delegation that also names other servers is refused:
 * those servers could answer for the domain, so it is not proven that warren serves it.
 *
 * On demand (`check`, behind `PUT /zones/{id}/activation_check`) and in the background
 * (`start`/`runOnce`): each pending zone has its own interval, 1 minute doubling up to 1 hour
 * after each unsuccessful check, so a zone whose owner never delegates costs one lookup an
 * hour. Time comes from the store's clock, so tests move it instead of waiting.
 */
export class ZoneDelegationCheck {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #lookup: NsLookup;
  readonly #ours: ReadonlySet<string>;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(store: Store, logger: Logger, domain: string, lookup: NsLookup) {
    this.#store = store;
    this.#logger = logger;
    this.#lookup = lookup;
    this.#ours = new Set(serviceNameservers(domain.toLowerCase()));
  }

  start(sweepMs = ZONE_DELEGATION_SWEEP_MS): void {
    this.#timer = setInterval(() => {
      this.runOnce().catch((err: unknown) =>
        this.#logger.error({ err }, 'zone activation sweep failed; it runs again at the next sweep'),
      );
    }, sweepMs);
    this.#timer.unref();
  }

  /** One sweep over pending full zones that are due (one at a time); resolves with how many went active. */
  runOnce(): Promise<number> {
    this.#running ??= this.#store
      .exclusive('zone-activation', () => this.#sweep())
      .then((r) => (r.ran ? r.value : 0))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** When the sweep checks `zoneId` next (ms since the epoch, store clock); undefined before its first check. */
  async nextCheckAt(zoneId: string): Promise<number | undefined> {
    return (await this.#store.cluster.failures(BACKOFF_BOOK, zoneId))?.locked_until_ms;
  }

  async #sweep(): Promise<number> {
    const now = this.#store.clock.now().getTime();
    const pending = await this.#store.zones.pendingFullZones();
    let activated = 0;
    for (const z of pending) {
      if (this.#abort.signal.aborted) break;
      // The backoff lives in the store, so whichever process sweeps next honours it (issue 23).
      const due = await this.#store.cluster.failures(BACKOFF_BOOK, z.id);
      if (due !== undefined && now < due.locked_until_ms) continue;
      if (await this.check(z)) {
        activated++;
        await this.#store.cluster.clearFailures(BACKOFF_BOOK, z.id);
        continue;
      }
      const misses = await this.#store.cluster.fail(BACKOFF_BOOK, z.id, now, 0);
      const wait = Math.min(
        ZONE_DELEGATION_FIRST_RETRY_MS * 2 ** Math.min(misses - 1, 30),
        ZONE_DELEGATION_MAX_RETRY_MS,
      );
      await this.#store.cluster.lockUntil(BACKOFF_BOOK, z.id, now + wait);
    }
    return activated;
  }

  /** Looks the zone's NS records up now; true when this call activated it. */
  async check(zone: ZoneRow): Promise<boolean> {
    if (zone.type !== 'full' || zone.status !== 'pending') return false;
    let found: string[];
    try {
      found = (await this.#lookup(zone.name, this.#abort.signal)).map((n) => n.toLowerCase().replace(/\.$/, ''));
    } catch (err) {
      this.#logger.warn(
        { zoneId: zone.id, err: (err as Error).message },
        'zone activation: NS lookup failed; check --verify-resolver (tried again later)',
      );
      found = [];
    }
    await this.#store.zones.markVerificationChecked(zone.id);
    if (found.length === 0 || !found.every((n) => this.#ours.has(n))) return false;
    const done = await activateZone(
      this.#store,
      zone,
      { actor: { id: 'zone-activation', email: '', ip: '', type: 'Cloudflare' }, interface: 'activation check' },
      { name_servers: found },
    );
    if (done) this.#logger.info({ zoneId: zone.id, zone: zone.name }, 'full zone delegated to warren: active');
    return done;
  }

  /** Stops the timer and cancels lookups in flight. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#abort.abort();
  }
}
