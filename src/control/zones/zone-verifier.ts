import { Resolver } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { Store, ZoneRow } from '../../store/index.js';
import { PeriodicJob, SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import { activateZone } from './zone-ownership.js';

export const ZONE_VERIFY_SWEEP_MS = 60_000; // 1 minute between sweeps of pending partial zones
export const ZONE_VERIFY_RECHECK_MS = 5 * 60_000; // 5 minutes (store clock) between lookups of one zone
export const ZONE_VERIFY_DNS_TIMEOUT_MS = 5_000; // 5 seconds per DNS query attempt
const ZONE_VERIFY_DNS_TRIES = 2;
/** Left of the zone: where the verification TXT record goes (as Cloudflare's `cloudflare-verify.<zone>`). */
export const VERIFICATION_LABEL = 'warren-verify';

/** TXT records of a name, each as its character strings; [] when the name has none. */
export type TxtLookup = (name: string, signal: AbortSignal) => Promise<string[][]>;

/**
 * TXT lookups through `server` (a parsed `--verify-resolver`), or the system's resolvers when
 * undefined. Each lookup has its own resolver, so aborting one cancels only its queries.
 */
export function dnsTxtLookup(server: string | undefined, timeoutMs = ZONE_VERIFY_DNS_TIMEOUT_MS): TxtLookup {
  return (name, signal) => resolveOrNone(server, timeoutMs, signal, (r) => r.resolveTxt(name));
}

/**
 * One query through its own resolver (`server`, or the system's), cancelled by `signal`. A name
 * or record type that does not exist is [] (not verified or delegated yet), not a failure.
 */
export async function resolveOrNone<T>(
  server: string | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  query: (resolver: Resolver) => Promise<T[]>,
): Promise<T[]> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: ZONE_VERIFY_DNS_TRIES });
  if (server !== undefined) resolver.setServers([server]);
  const cancel = (): void => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await query(resolver);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    throw err;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * The background job that activates partial (CNAME setup) zones: it looks up the TXT record
 * `warren-verify.<zone>` (or at the apex) and moves the zone pending → active, with an audit
 * entry, once one of them holds the zone's `verification_key`. Time comes from the store's
 * clock (each zone is looked up at most every `recheckMs`) and the sweeps from injected timers,
 * so tests move a manual clock instead of waiting.
 */
export class ZoneVerifier {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #lookup: TxtLookup;
  readonly #recheckMs: number;
  readonly #abort = new AbortController();
  readonly #job: PeriodicJob<number>;

  constructor(
    store: Store,
    logger: Logger,
    lookup: TxtLookup,
    recheckMs = ZONE_VERIFY_RECHECK_MS,
    timers: Timers = SYSTEM_TIMERS,
  ) {
    this.#store = store;
    this.#logger = logger;
    this.#lookup = lookup;
    this.#recheckMs = recheckMs;
    this.#job = new PeriodicJob(
      timers,
      async () => {
        const r = await store.exclusive('zone-verification', () => this.#sweep());
        return r.ran ? r.value : 0;
      },
      (err) => this.#logger.error({ err }, 'zone verification failed; it runs again at the next sweep'),
    );
  }

  start(sweepMs = ZONE_VERIFY_SWEEP_MS): void {
    this.#job.start(sweepMs);
  }

  /** Stops the schedule and cancels lookups in flight. */
  stop(): Promise<void> {
    this.#abort.abort();
    return this.#job.stop();
  }

  /** One sweep over pending partial zones due for a lookup (one at a time); resolves with how many went active. */
  runOnce(): Promise<number> {
    return this.#job.runOnce();
  }

  async #sweep(): Promise<number> {
    const now = this.#store.clock.now().getTime();
    let activated = 0;
    for (const z of await this.#store.zones.pendingPartialZones()) {
      if (this.#abort.signal.aborted) break;
      const last = z.verification_checked_on === null ? undefined : Date.parse(z.verification_checked_on);
      if (last !== undefined && now - last < this.#recheckMs) continue;
      if (await this.verify(z)) activated++;
    }
    return activated;
  }

  /**
   * Looks the zone's TXT records up now; activates it (audited) when one holds its key.
   * Resolves true when this call activated it.
   */
  async verify(zone: ZoneRow): Promise<boolean> {
    if (zone.type !== 'partial' || zone.status !== 'pending' || zone.verification_key === null) return false;
    const key = zone.verification_key;
    const names = [`${VERIFICATION_LABEL}.${zone.name}`, zone.name];
    let foundAt: string | undefined;
    for (const name of names) {
      try {
        const records = await this.#lookup(name, this.#abort.signal);
        // A TXT record longer than 255 bytes arrives in several strings: compare them joined.
        if (records.some((chunks) => chunks.join('') === key)) {
          foundAt = name;
          break;
        }
      } catch (err) {
        this.#logger.warn(
          { zoneId: zone.id, name, err: (err as Error).message },
          'zone verification: TXT lookup failed; check --verify-resolver (tried again later)',
        );
      }
    }
    if (foundAt === undefined) {
      await this.#store.zones.markVerificationChecked(zone.id);
      return false;
    }
    const done = await activateZone(
      this.#store,
      zone,
      { actor: { id: 'zone-verification', email: '', ip: '', type: 'Cloudflare' }, interface: 'zone verification' },
      { verification_record: `${foundAt} TXT` },
    );
    if (done) {
      this.#logger.info({ zoneId: zone.id, zone: zone.name }, 'partial zone verified by its TXT record: active');
    }
    return done;
  }
}
