import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * What changed: routing caches listen for `dns`, `zones` and `tunnels`; the Access gate for `access`;
 * edges push new remotely-managed tunnel configurations on `tunnel_configs`.
 */
export type ChangeTopic =
  | 'dns'
  | 'zones'
  | 'tunnels'
  | 'connections'
  | 'logins'
  | 'access'
  | 'tunnel_configs'
  | 'certificates'
  | 'edges'
  | 'zone_settings'
  | 'acme_challenges';

const TOPICS: ReadonlySet<string> = new Set<ChangeTopic>([
  'dns',
  'zones',
  'tunnels',
  'connections',
  'logins',
  'access',
  'tunnel_configs',
  'certificates',
  'edges',
  'zone_settings',
  'acme_challenges',
]);
export const NOTIFY_CHANNEL = 'warren_changes';
/** Messages between processes (e.g. `warren tail` sessions and their events); each under NOTIFY's 8000 bytes. */
export const MESSAGE_CHANNEL = 'warren_messages';
/** The longest message `send` passes on (NOTIFY refuses payloads of 8000 bytes and more). */
export const MAX_MESSAGE_BYTES = 7_900;
const RELISTEN_DELAY_MS = 1_000; // 1 second between attempts to re-open a dropped LISTEN connection

/**
 * Invalidations: in-process at once, and across processes through PostgreSQL's
 * LISTEN/NOTIFY (each process ignores its own echoes). SQLite is single-process, so
 * the in-process path is all it needs.
 */
export class ChangeFeed {
  readonly #events = new EventEmitter();
  readonly #origin = randomUUID();
  readonly #notify: ((payload: string, channel?: string) => Promise<void>) | undefined;
  readonly #onNotifyError: (err: unknown, topic: ChangeTopic) => void;

  /** `onNotifyError` hears a NOTIFY that failed twice (the change itself is committed). */
  constructor(
    notify?: (payload: string, channel?: string) => Promise<void>,
    onNotifyError: (err: unknown, topic: ChangeTopic) => void = () => {},
  ) {
    this.#notify = notify;
    this.#onNotifyError = onNotifyError;
    this.#events.setMaxListeners(0);
  }

  /**
   * Announces a committed change (call after the transaction). Never throws: the change is
   * committed, so failing the caller (an API request answered 503, then retried) would repeat
   * it. A NOTIFY that fails is tried once more on a fresh pooled connection, then reported
   * (other processes reload everything whenever their own LISTEN connection is re-opened).
   */
  async publish(topic: ChangeTopic): Promise<void> {
    this.#events.emit('change', topic);
    const notify = this.#notify;
    if (notify === undefined) return;
    const payload = `${this.#origin}:${topic}`;
    try {
      await notify(payload);
    } catch {
      try {
        await notify(payload);
      } catch (err) {
        this.#onNotifyError(err, topic);
      }
    }
  }

  subscribe(listener: (topic: ChangeTopic) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  /** Whether other processes can hear `send` (PostgreSQL); SQLite has only this one. */
  get shared(): boolean {
    return this.#notify !== undefined;
  }

  /**
   * Sends `message` to every other process (not this one); false when it is too long for NOTIFY
   * or the send failed (messages are best effort, as the events they carry).
   */
  async send(message: string): Promise<boolean> {
    const notify = this.#notify;
    const payload = `${this.#origin}:${message}`;
    if (notify === undefined || Buffer.byteLength(payload) > MAX_MESSAGE_BYTES) return false;
    try {
      await notify(payload, MESSAGE_CHANNEL);
      return true;
    } catch {
      return false;
    }
  }

  /** Hears the messages other processes `send`. */
  onMessage(listener: (message: string) => void): () => void {
    this.#events.on('message', listener);
    return () => this.#events.off('message', listener);
  }

  /** A message from another process (its own echoes are ignored). */
  receiveMessage(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon < 0 || payload.slice(0, colon) === this.#origin) return;
    this.#events.emit('message', payload.slice(colon + 1));
  }

  /** A notification from another process. */
  receive(payload: string): void {
    const colon = payload.lastIndexOf(':');
    const origin = payload.slice(0, colon);
    const topic = payload.slice(colon + 1);
    if (origin === this.#origin || !TOPICS.has(topic)) return;
    this.#events.emit('change', topic as ChangeTopic);
  }
}

/** Keeps one LISTEN connection open, re-opening it when it drops; each (re)open counts as "everything changed". */
export class PgListener {
  readonly #connect: () => pg.Client;
  readonly #feed: ChangeFeed;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(connect: () => pg.Client, feed: ChangeFeed, logger: Logger) {
    this.#connect = connect;
    this.#feed = feed;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    const client = this.#connect();
    client.on('notification', (n) => {
      if (n.payload === undefined) return;
      if (n.channel === NOTIFY_CHANNEL) this.#feed.receive(n.payload);
      else if (n.channel === MESSAGE_CHANNEL) this.#feed.receiveMessage(n.payload);
    });
    client.on('error', (err) => {
      this.#logger.warn({ err: err.message }, 'store: LISTEN connection failed; re-opening');
      this.#restart();
    });
    client.on('end', () => this.#restart());
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    await client.query(`LISTEN ${MESSAGE_CHANNEL}`);
    this.#client = client;
  }

  #restart(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#client = undefined;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start().then(
        () => {
          // Notifications sent while we were away are lost: reload everything.
          for (const t of TOPICS) this.#feed.receive(`pg-reconnect:${t}`);
        },
        () => this.#restart(),
      );
    }, RELISTEN_DELAY_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => {});
  }
}
