import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { leafFacts } from '../pki/index.js';
import type { AcmeNameRow, Store } from '../store/index.js';
import { type Cancel, RerunAfter, type Timers } from '../time/index.js';
import type { CertificateIssuer } from './acme-issuer.js';
import { type AcmeLimits, backoffMs, DEFAULT_ACME_LIMITS } from './acme-limits.js';
import { AcmeMetrics } from './acme-metrics.js';

const TICK_MS = 60_000; // 60 seconds: retries whose backoff ended, renewals that came due
const CHANGE_DEBOUNCE_MS = 100; // 100 ms: a burst of route or record changes causes one pass
const HOUR_MS = 3_600_000;
const MAX_REASON = 300; // characters of a failure reason kept in the store, the audit log and the log
const ACTOR = { id: 'acme', email: '', ip: '', type: 'Cloudflare' } as const;

export interface AcmeManagerOptions {
  store: Store;
  issuer: CertificateIssuer;
  logger: Logger;
  /** The clock that decides renewals and backoff; tests pass a ManualClock. */
  timers: Timers;
  /** /metrics registry for warren_acme_* counters. */
  registry: Registry;
  limits?: Partial<AcmeLimits> | undefined;
  /** Names warren itself serves (`dash.D`), kept with no zone and no account. */
  ownNames?: readonly string[] | undefined;
}

/**
 * Keeps a certificate for every name visitors reach in an active zone: issues one when a name
 * appears (a route, a proxied record, an Access app), renews it `renewBeforeMs` before expiry,
 * and retries a failed name with exponential backoff, within per-account and per-zone limits on
 * orders. Each issuance is written to the store and announced on the `certificates` topic, so
 * every edge serves it at once. One pass at a time; names are handled one by one, so a name that
 * fails (or hangs until its timeout) only delays the others, never breaks them.
 */
export class AcmeManager {
  readonly #o: AcmeManagerOptions;
  readonly #limits: AcmeLimits;
  readonly metrics: AcmeMetrics;
  readonly #passes = new RerunAfter(
    () => this.#passOnce(),
    () => !this.#closed,
  );
  #closed = false;
  #cancels: Cancel[] = [];
  #pending: Cancel | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: AcmeManagerOptions) {
    this.#o = options;
    this.#limits = { ...DEFAULT_ACME_LIMITS, ...options.limits };
    this.metrics = new AcmeMetrics(options.registry);
  }

  get limits(): AcmeLimits {
    return this.#limits;
  }

  /** Listens for new names and starts the periodic pass; the first pass runs in the background. */
  start(): void {
    this.#unsubscribe = this.#o.store.feed.subscribe((topic) => {
      if (topic === 'dns' || topic === 'zones' || topic === 'access' || topic === 'tunnels') this.#schedule();
    });
    this.#cancels.push(this.#o.timers.every(TICK_MS, () => this.#schedule()));
    this.#schedule();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#pending?.();
    for (const c of this.#cancels) c();
    await this.#passes.settled();
  }

  #schedule(): void {
    if (this.#pending !== undefined || this.#closed) return;
    this.#pending = this.#o.timers.after(CHANGE_DEBOUNCE_MS, () => {
      this.#pending = undefined;
      this.pass().catch((err: unknown) =>
        this.#o.logger.warn({ err: (err as Error).message }, 'acme: a pass failed; the next one retries'),
      );
    });
  }

  /** One pass over every name (one at a time; a call during a pass makes one more after it). */
  pass(): Promise<void> {
    return this.#passes.run();
  }

  async #passOnce(): Promise<void> {
    const { store } = this.#o;
    const served = [
      ...(await store.acme.servedNames()),
      ...(this.#o.ownNames ?? []).map((name) => ({ name, zoneId: null, accountId: null })),
    ];
    const wanted = new Set(served.map((s) => s.name));
    for (const s of served) await store.acme.want(s.name, s.zoneId, s.accountId);
    const now = this.#o.timers.now();
    await store.acme.pruneOrders(new Date(now.getTime() - HOUR_MS));
    const rows = await store.acme.names();
    let failing = 0;
    for (const row of rows) {
      if (this.#closed) return;
      if (!wanted.has(row.name)) {
        // The route or record went away: stop retrying; a certificate already issued expires on its own.
        await store.acme.forget(row.name);
        continue;
      }
      if (row.state === 'failed') failing++;
      if (new Date(row.next_attempt_at).getTime() > this.#o.timers.now().getTime()) continue;
      await this.#due(row);
    }
    this.metrics.failing.set(failing);
  }

  /** A name whose time has come: issue, renew, or (still valid) push the next look to its renewal date. */
  async #due(row: AcmeNameRow): Promise<void> {
    const { store } = this.#o;
    const now = this.#o.timers.now();
    const current = (await store.edgeCertificates.acmeFor(row.name))[0];
    const renewAt =
      current === undefined ? undefined : new Date(current.expires_on).getTime() - this.#limits.renewBeforeMs;
    if (renewAt !== undefined && renewAt > now.getTime()) {
      await store.acme.update(row.name, {
        state: 'issued',
        failures: 0,
        next_attempt_at: new Date(renewAt).toISOString(),
        last_error: null,
      });
      return;
    }
    const since = new Date(now.getTime() - HOUR_MS);
    const used = await store.acme.ordersSince(since, row.account_id, row.zone_id);
    const limit =
      used.account >= this.#limits.ordersPerAccountPerHour
        ? 'account'
        : used.zone >= this.#limits.ordersPerZonePerHour
          ? 'zone'
          : undefined;
    if (limit !== undefined) {
      // Not a failure of the name: it waits its turn and is looked at again on the next pass.
      this.metrics.deferred.inc({ limit });
      return;
    }
    await store.acme.recordOrder({
      id: randomUUID(),
      name: row.name,
      zone_id: row.zone_id,
      account_id: row.account_id,
      created_at: now.toISOString(),
    });
    this.metrics.orders.inc();
    const kind = current === undefined ? 'new' : 'renewal';
    try {
      const issued = await this.#o.issuer.issue(row.name);
      await this.#store(row, issued, kind, current?.id);
    } catch (err) {
      await this.#failed(row, err);
    }
  }

  async #store(
    row: AcmeNameRow,
    issued: { cert: string; key: string },
    kind: 'new' | 'renewal',
    replaces: string | undefined,
  ): Promise<void> {
    const { store } = this.#o;
    const facts = leafFacts(issued.cert);
    const now = this.#o.timers.now();
    const id = randomUUID();
    await store.transaction(async (tx) => {
      await tx.edgeCertificates.insert({
        id,
        zone_id: row.zone_id,
        account_id: row.account_id,
        source: 'acme',
        hosts: JSON.stringify([row.name]),
        certificate: issued.cert.trim(),
        key_sealed: store.secrets.seal(Buffer.from(issued.key, 'utf8')),
        issuer: facts.issuer,
        signature: facts.signature,
        uploaded_on: now.toISOString(),
        expires_on: facts.notAfter.toISOString(),
        priority: 0,
      });
      // The old one goes: connections already open keep the context their handshake got.
      if (replaces !== undefined) await tx.edgeCertificates.delete(replaces);
      await tx.acme.update(row.name, {
        state: 'issued',
        failures: 0,
        next_attempt_at: new Date(facts.notAfter.getTime() - this.#limits.renewBeforeMs).toISOString(),
        last_error: null,
      });
      if (row.account_id !== null) {
        await tx.audit.append({
          accountId: row.account_id,
          action: kind === 'new' ? 'acme_certificate_issue' : 'acme_certificate_renew',
          actor: ACTOR,
          interface: 'acme',
          resource: { id, type: 'edge_certificate' },
          metadata: { zone_id: row.zone_id, hostname: row.name, expires_on: facts.notAfter.toISOString() },
        });
      }
    });
    await store.feed.publish('certificates');
    this.metrics.issued.inc({ kind });
    this.#o.logger.info(
      { hostname: row.name, expiresOn: facts.notAfter.toISOString(), kind },
      'acme: certificate issued',
    );
  }

  async #failed(row: AcmeNameRow, err: unknown): Promise<void> {
    const { store } = this.#o;
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, MAX_REASON);
    const failures = row.failures + 1;
    const wait = backoffMs(this.#limits, failures);
    const retryAt = new Date(this.#o.timers.now().getTime() + wait).toISOString();
    await store.transaction(async (tx) => {
      await tx.acme.update(row.name, { state: 'failed', failures, next_attempt_at: retryAt, last_error: reason });
      if (row.account_id !== null) {
        await tx.audit.append({
          accountId: row.account_id,
          action: 'acme_certificate_fail',
          result: false,
          actor: ACTOR,
          interface: 'acme',
          resource: { id: row.name, type: 'hostname' },
          metadata: { zone_id: row.zone_id, hostname: row.name, reason, failures, retry_at: retryAt },
        });
      }
    });
    this.metrics.failures.inc();
    this.#o.logger.warn({ hostname: row.name, reason, failures, retryAt }, 'acme: certificate order failed');
  }
}
