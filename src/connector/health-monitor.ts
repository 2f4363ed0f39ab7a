import type { Logger } from 'pino';
import { WarrenError, type WarrenErrorCode } from '../errors/index.js';
import { SYSTEM_TIMERS, type Timers } from '../time/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import type { HealthCheckConfig } from './ingress/index.js';

/** One check of an origin: resolves with the HTTP status, rejects when there is none. Must stop on `signal`. */
export type HealthProbe = (signal: AbortSignal) => Promise<number>;

/** One origin the monitor checks (one per health-checked ingress rule). */
export interface HealthTarget {
  /** Identifies the target across reloads: a target whose key stays keeps its state. */
  readonly key: string;
  /** The rule's number as users count (1-based): the metric's `rule` label and the log field. */
  readonly rule: number;
  /** The origin as configured (`http://localhost:8080`), for logs. */
  readonly originService: string;
  readonly check: HealthCheckConfig;
  readonly probe: HealthProbe;
}

export interface HealthMonitorOptions {
  logger: Logger;
  metrics?: ConnectorMetrics | undefined;
  /** Default: the system's; tests pass a `ManualClock`. */
  timers?: Timers | undefined;
}

/** What one target looks like right now (for tests and status output). */
export interface HealthTargetState {
  rule: number;
  originService: string;
  healthy: boolean;
  /** Failed checks in a row. */
  failures: number;
}

type Outcome = { ok: true; status: number } | { ok: false; code: WarrenErrorCode; reason: string };

class TargetRun {
  target: HealthTarget;
  healthy = true;
  failures = 0;
  stopped = false;
  cancelNext: (() => void) | undefined;
  inFlight: AbortController | undefined;

  constructor(target: HealthTarget) {
    this.target = target;
  }

  stop(): void {
    this.stopped = true;
    this.cancelNext?.();
    this.cancelNext = undefined;
    this.inFlight?.abort(new WarrenError('WARREN_SHUTTING_DOWN', 'health check stopped'));
  }
}

/**
 * Checks the health-checked origins every `interval` (cloudflared has no such thing): a target
 * turns unhealthy after `unhealthyThreshold` failed checks in a row (a status outside 200-399,
 * an error, or no answer within `timeout`) and healthy again after one passing check. The
 * connector is healthy while every target is; `onChange` hears each flip of that.
 *
 * Targets start healthy and are checked at once, so a replica whose origin is down at start
 * stops taking traffic after `unhealthyThreshold` checks, and one that is up never pauses.
 */
export class HealthMonitor {
  /** Called when the connector as a whole turns healthy (true) or unhealthy (false). */
  onChange: ((healthy: boolean) => void) | undefined;
  readonly #logger: Logger;
  readonly #metrics: ConnectorMetrics | undefined;
  readonly #timers: Timers;
  readonly #runs = new Map<string, TargetRun>();
  #started = false;
  #healthy = true;

  constructor(options: HealthMonitorOptions) {
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
  }

  /** True while every checked origin is healthy (and when none is checked). */
  get healthy(): boolean {
    return this.#healthy;
  }

  get targets(): HealthTargetState[] {
    return [...this.#runs.values()].map((r) => ({
      rule: r.target.rule,
      originService: r.target.originService,
      healthy: r.healthy,
      failures: r.failures,
    }));
  }

  /**
   * Replaces the checked set (on start and after each reload): targets whose key is kept keep
   * their state and schedule, new ones start healthy and are checked at once, dropped ones stop.
   */
  setTargets(targets: readonly HealthTarget[]): void {
    const next = new Map(targets.map((t) => [t.key, t]));
    for (const [key, run] of this.#runs) {
      if (next.has(key)) continue;
      run.stop();
      this.#runs.delete(key);
      this.#metrics?.originHealthy.remove({ rule: String(run.target.rule) });
    }
    for (const [key, target] of next) {
      const run = this.#runs.get(key);
      if (run !== undefined) {
        run.target = target;
        continue;
      }
      const fresh = new TargetRun(target);
      this.#runs.set(key, fresh);
      this.#metrics?.originHealthy.set({ rule: String(target.rule) }, 1);
      if (this.#started) this.#check(fresh);
    }
    this.#recompute();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const run of this.#runs.values()) this.#check(run);
  }

  /** Stops every check (in flight ones are aborted); the state stays as it was. */
  stop(): void {
    this.#started = false;
    for (const run of this.#runs.values()) run.stop();
    this.#runs.clear();
  }

  #check(run: TargetRun): void {
    const t = run.target;
    const controller = new AbortController();
    run.inFlight = controller;
    run.cancelNext = undefined;
    const cancelTimeout = this.#timers.after(t.check.timeoutMs, () =>
      controller.abort(
        new WarrenError(
          'WARREN_ORIGIN_TIMEOUT',
          `no answer within ${t.check.timeoutMs} ms (originRequest.healthCheck.timeout)`,
        ),
      ),
    );
    // Settles on abort even if a probe ignores its signal, so a check can never hang the schedule.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    // A probe that throws instead of rejecting is a failed check too, not a crash in a timer.
    const probing = Promise.resolve().then(() => t.probe(controller.signal));
    Promise.race([probing, aborted])
      .then(
        (status): Outcome =>
          status >= 200 && status < 400
            ? { ok: true, status }
            : { ok: false, code: 'WARREN_ORIGIN_UNHEALTHY', reason: `answered ${status}` },
        (err: unknown): Outcome => failureOf(err),
      )
      .then((outcome) => {
        cancelTimeout();
        run.inFlight = undefined;
        if (run.stopped) return;
        this.#record(run, outcome);
        run.cancelNext = this.#timers.after(run.target.check.intervalMs, () => {
          if (!run.stopped) this.#check(run);
        });
      });
  }

  #record(run: TargetRun, outcome: Outcome): void {
    const t = run.target;
    const fields = { rule: t.rule, originService: t.originService };
    if (outcome.ok) {
      run.failures = 0;
      if (!run.healthy) {
        run.healthy = true;
        this.#metrics?.originHealthy.set({ rule: String(t.rule) }, 1);
        this.#logger.info({ ...fields, status: outcome.status }, 'origin health check passes again: origin healthy');
        this.#recompute();
      }
      return;
    }
    run.failures++;
    if (!run.healthy) return;
    if (run.failures < t.check.unhealthyThreshold) {
      this.#logger.debug(
        { ...fields, code: outcome.code, reason: outcome.reason, failures: run.failures },
        'origin health check failed',
      );
      return;
    }
    run.healthy = false;
    this.#metrics?.originHealthy.set({ rule: String(t.rule) }, 0);
    this.#logger.warn(
      { ...fields, code: outcome.code, reason: outcome.reason, failures: run.failures },
      `origin unhealthy: ${run.failures} health checks failed in a row; this replica stops taking traffic until one passes`,
    );
    this.#recompute();
  }

  #recompute(): void {
    let healthy = true;
    for (const run of this.#runs.values()) healthy &&= run.healthy;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.onChange?.(healthy);
  }
}

function failureOf(err: unknown): Outcome {
  if (err instanceof WarrenError) return { ok: false, code: err.code, reason: err.message };
  const e = err as NodeJS.ErrnoException;
  const code = e?.code === 'ECONNREFUSED' || e?.code === 'ENOENT' ? 'WARREN_ORIGIN_UNREACHABLE' : 'WARREN_ORIGIN_ERROR';
  return { ok: false, code, reason: e?.code ?? e?.message ?? String(err) };
}
