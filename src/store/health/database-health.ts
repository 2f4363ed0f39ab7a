import type { Logger } from 'pino';
import { PeriodicJob, type Timers } from '../../time/index.js';
import { DATABASE_FAULT_WORDS, type DatabaseFault, type DatabaseFaultReason, databaseFault } from './database-fault.js';

export const DATABASE_PROBE_INTERVAL_MS = 2_000; // 2 seconds between write probes while writes fail

/** What `/readyz` and `/metrics` report about the database. */
export interface DatabaseStatus {
  /** The last write (or write probe) failed with a disk-full or unavailable fault, and none has passed since. */
  writesFailing: boolean;
  reason?: DatabaseFaultReason;
  /** The driver's code of the latest failure (`SQLITE_FULL`, `57P01`, `ECONNREFUSED`, …). */
  driverCode?: string;
  /** When writes started failing (ISO). */
  since?: string;
  /** Statements that failed since then. */
  failures?: number;
}

/**
 * Whether the database takes writes, from what every statement does (the store's driver reports
 * each outcome) and, while writes fail, from a write probe every `DATABASE_PROBE_INTERVAL_MS`:
 * with no traffic, nothing else would notice that the disk was freed or PostgreSQL came back.
 * A disk-full fault clears only when a write passes (reads pass all along); an unavailable one
 * clears on any statement that passes. Conflicts are counted but do not make writes "failing".
 */
export class DatabaseHealth {
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #probe: PeriodicJob<void>;
  readonly #faults = new Map<DatabaseFaultReason, number>();
  readonly #recovered = new Set<() => void>();
  #failing: { reason: DatabaseFaultReason; driverCode: string; since: Date; failures: number } | undefined;
  #closed = false;

  /** `probe`: one small real write (it reports through this object like any other statement). */
  constructor(logger: Logger, timers: Timers, probe: () => Promise<void>) {
    this.#logger = logger;
    this.#timers = timers;
    this.#probe = new PeriodicJob(timers, probe, () => {
      // Its failure was already reported by the driver; the next tick tries again.
    });
  }

  /** A statement failed: returns the transient fault it is, if any (and records it). */
  failed(err: unknown): DatabaseFault | undefined {
    const fault = databaseFault(err);
    if (fault === undefined) return undefined;
    this.#faults.set(fault.reason, (this.#faults.get(fault.reason) ?? 0) + 1);
    if (fault.reason === 'conflict') return fault;
    const f = this.#failing;
    if (f !== undefined) {
      f.failures++;
      f.driverCode = fault.driverCode;
      // A disk that fills while the server is unreachable: report what blocks writes now.
      f.reason = fault.reason;
      return fault;
    }
    this.#failing = { reason: fault.reason, driverCode: fault.driverCode, since: this.#timers.now(), failures: 1 };
    this.#logger.error(
      { reason: fault.reason, dbCode: fault.driverCode, err: (fault.error as Error | undefined)?.message },
      `store: writes are failing: ${DATABASE_FAULT_WORDS[fault.reason]} (${fault.driverCode}); /readyz answers 503 until a write passes`,
    );
    if (!this.#closed) this.#probe.start(DATABASE_PROBE_INTERVAL_MS);
    return fault;
  }

  /** A statement passed; `write`: it committed a change. */
  succeeded(write: boolean): void {
    const f = this.#failing;
    if (f === undefined || (!write && f.reason === 'disk_full')) return;
    this.#failing = undefined;
    void this.#probe.stop();
    const downMs = this.#timers.now().getTime() - f.since.getTime();
    this.#logger.warn(
      { reason: f.reason, dbCode: f.driverCode, failures: f.failures, downMs },
      `store: writes pass again after ${(downMs / 1000).toFixed(1)} s and ${f.failures} failed statements`,
    );
    for (const fn of this.#recovered) {
      try {
        fn();
      } catch (err) {
        this.#logger.error({ err }, 'store: a listener of the database recovery failed');
      }
    }
  }

  status(): DatabaseStatus {
    const f = this.#failing;
    if (f === undefined) return { writesFailing: false };
    return {
      writesFailing: true,
      reason: f.reason,
      driverCode: f.driverCode,
      since: f.since.toISOString(),
      failures: f.failures,
    };
  }

  /** Statements that failed with a transient fault since start, by reason (`warren_database_faults_total`). */
  faults(): ReadonlyMap<DatabaseFaultReason, number> {
    return this.#faults;
  }

  /** Calls `fn` each time writes pass again after failing; returns the unsubscribe. */
  onRecovered(fn: () => void): () => void {
    this.#recovered.add(fn);
    return () => this.#recovered.delete(fn);
  }

  /** Stops the write probe (the store is closing). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#probe.stop();
  }
}
