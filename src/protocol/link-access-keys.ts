import { WarrenError } from '../errors/index.js';
import type { Cancel, Timers } from '../time/index.js';
import { encodeAccessKeys, parseAccessKeysAnswer } from './access-keys.js';
import { FrameType } from './frame.js';
import type { MuxConnection } from './mux-connection.js';

/** How long the connector waits for the edge's AccessKeys answer. */
export const ACCESS_KEYS_TIMEOUT_MS = 5_000; // 5 seconds, as warren/verify's HTTPS fetch
/** Requests in flight on one link; more are refused (a burst of unknown kids is bounded anyway). */
const MAX_PENDING = 16;

interface Pending {
  resolve: (jwks: { keys: unknown[] }) => void;
  reject: (err: Error) => void;
  cancel: Cancel;
}

/** The connector's side of one link's AccessKeys requests (edge feature `access-keys`): ids, answers, timeouts, the link's end. */
export class LinkAccessKeys {
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  constructor(readonly timers: Timers) {}

  /** Asks the edge for team domain `team`'s JWKS on `conn`. */
  request(conn: MuxConnection, team: string): Promise<{ keys: unknown[] }> {
    if (conn.closed) return Promise.reject(unavailable(`the link closed before the keys of ${team} were asked`));
    if (this.#pending.size >= MAX_PENDING) return Promise.reject(unavailable('too many key requests in flight'));
    const id = this.#next;
    this.#next = this.#next >= 0x7fffffff ? 1 : this.#next + 1;
    return new Promise((resolve, reject) => {
      const cancel = this.timers.after(ACCESS_KEYS_TIMEOUT_MS, () => {
        this.#pending.delete(id);
        reject(unavailable(`the edge did not send the keys of ${team} within ${ACCESS_KEYS_TIMEOUT_MS} ms`));
      });
      this.#pending.set(id, { resolve, reject, cancel });
      conn.sendFrame(FrameType.AccessKeys, 0, encodeAccessKeys({ id, team }));
    });
  }

  /** An AccessKeys frame from the edge; a malformed one throws (the caller drops the link). */
  onAnswer(payload: Buffer): void {
    const answer = parseAccessKeysAnswer(payload);
    const p = this.#pending.get(answer.id);
    if (p === undefined) return; // timed out already
    this.#pending.delete(answer.id);
    p.cancel();
    if (answer.jwks !== undefined) p.resolve(answer.jwks);
    else p.reject(unavailable(`the edge refused the keys: ${answer.error ?? 'no reason given'}`));
  }

  /** The link is gone: every request in flight fails now rather than at its timeout. */
  close(): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.cancel();
      p.reject(unavailable('the link closed while the keys were asked'));
    }
  }
}

function unavailable(message: string): WarrenError {
  return new WarrenError('WARREN_ACCESS_JWKS_UNAVAILABLE', message);
}
