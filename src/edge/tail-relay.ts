import type { Logger } from 'pino';
import type { TailFilters } from '../protocol/index.js';
import type { ChangeFeed } from '../store/index.js';
import type { ManagementHub, TailClient, TailSession } from './management-hub.js';

/** How often a process repeats its open sessions, so processes that start later (or missed one) join. */
export const TAIL_ANNOUNCE_MS = 2_000;
/** A session not announced for this long is gone (its process died): its stand-ins close. */
const TAIL_FORGET_MS = 10_000;

/** Messages between processes, one NOTIFY each (see ChangeFeed.send). */
type RelayMessage =
  | { k: 'open'; s: string; t: string; f: TailFilters; c: string | undefined }
  | { k: 'close'; s: string }
  /** One TailClientMessage (as sent to the CLI) for session `s`, from a process holding links. */
  | { k: 'msg'; s: string; m: string };

/**
 * `warren tail` across processes (issue 23): a session opened on any API process sees every
 * connector of its tunnel, wherever its links are. The process holding the session announces it
 * (on open, then every {@link TAIL_ANNOUNCE_MS}); every other process opens a stand-in session on
 * its own hub, whose client sends each message back over PostgreSQL NOTIFY (each message under
 * NOTIFY's 8000-byte limit; a longer one is counted as dropped). Each process's hub keeps its own
 * rate limits. On SQLite there is one process and nothing to relay.
 */
export class TailRelay {
  readonly #hub: ManagementHub;
  readonly #feed: ChangeFeed;
  readonly #logger: Logger;
  /** Sessions opened here by a CLI client. */
  readonly #local = new Map<string, TailSession>();
  /** Stand-ins for other processes' sessions: their id → the stand-in and when it was last announced. */
  readonly #remote = new Map<string, { session: TailSession; seen: number }>();
  readonly #standIns = new Set<TailClient>();
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;

  constructor(hub: ManagementHub, feed: ChangeFeed, logger: Logger) {
    this.#hub = hub;
    this.#feed = feed;
    this.#logger = logger;
    hub.observe({
      opened: (s) => {
        if (this.#standIns.has(s.client)) return;
        this.#local.set(s.id, s);
        this.#announce(s);
      },
      closed: (s) => {
        if (this.#standIns.has(s.client)) {
          this.#standIns.delete(s.client);
          return;
        }
        this.#local.delete(s.id);
        this.#send({ k: 'close', s: s.id });
      },
    });
    this.#unsubscribe = feed.onMessage((text) => this.#receive(text));
    this.#timer = setInterval(() => this.#tick(), TAIL_ANNOUNCE_MS).unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const r of [...this.#remote.values()]) this.#hub.close(r.session);
    this.#remote.clear();
  }

  #tick(): void {
    for (const s of this.#local.values()) this.#announce(s);
    const now = Date.now();
    for (const [id, r] of this.#remote) {
      if (now - r.seen < TAIL_FORGET_MS) continue;
      this.#remote.delete(id);
      this.#hub.close(r.session);
    }
  }

  #announce(s: TailSession): void {
    this.#send({ k: 'open', s: s.id, t: s.tunnelId, f: s.filters, c: s.connectorId });
  }

  #send(m: RelayMessage): void {
    if (!this.#feed.shared) return;
    void this.#feed.send(JSON.stringify(m)).then((sent) => {
      if (sent || m.k !== 'msg') return;
      // Too long for one NOTIFY (a huge log line): the client hears it as dropped.
      void this.#feed.send(JSON.stringify({ k: 'msg', s: m.s, m: JSON.stringify({ type: 'dropped', count: 1 }) }));
    });
  }

  #receive(text: string): void {
    let m: RelayMessage;
    try {
      m = JSON.parse(text) as RelayMessage;
    } catch {
      return;
    }
    switch (m.k) {
      case 'open': {
        const known = this.#remote.get(m.s);
        if (known !== undefined) {
          known.seen = Date.now();
          return;
        }
        const sessionId = m.s;
        const client: TailClient = {
          backlog: 0,
          send: (msg) => {
            // The holder already told its client how many connectors it reached.
            if (msg.startsWith('{"type":"ready"')) return;
            this.#send({ k: 'msg', s: sessionId, m: msg });
          },
        };
        this.#standIns.add(client);
        try {
          const session = this.#hub.open(m.t, m.f, m.c, client);
          this.#remote.set(m.s, { session, seen: Date.now() });
        } catch (err) {
          this.#standIns.delete(client);
          this.#logger.debug({ err: (err as Error).message, tunnelId: m.t }, 'tail relay: no stand-in session here');
        }
        return;
      }
      case 'close': {
        const r = this.#remote.get(m.s);
        if (r === undefined) return;
        this.#remote.delete(m.s);
        this.#hub.close(r.session);
        return;
      }
      case 'msg': {
        const s = this.#local.get(m.s);
        if (s === undefined) return;
        try {
          s.client.send(m.m);
        } catch {
          // The CLI went away; its session closes through the endpoint.
        }
        return;
      }
    }
  }
}
