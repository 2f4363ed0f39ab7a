import { createHash } from 'node:crypto';

/** A confirmed transfer lives this long for the CLI to take it. */
export const ACCESS_CLI_TRANSFER_TTL_MS = 5 * 60_000; // 5 minutes
/** Confirmed transfers kept at once in total: bounds memory whatever signed-in visitors do. */
export const ACCESS_CLI_TRANSFERS_TOTAL = 1000;
/** Confirmed transfers one identity may hold at once: a person runs `warren access login` a few times at most. */
export const ACCESS_CLI_TRANSFERS_PER_USER = 5;

interface Ready {
  token: string;
  aud: string;
  user: string;
  expiresAt: number;
}

export type PutResult = 'stored' | 'exists' | 'full';

/**
 * App tokens handed to `warren access login` by transfer id: one is stored only once a signed-in
 * visitor confirmed it (nothing before), taken once, gone after 5 minutes, and the total and the
 * count per identity are capped. Keys are hashes of the ids. In memory, per edge process: the
 * CLI polls the host it opened, which the same edge serves (a restart means logging in again).
 */
export class AccessCliTransfers {
  readonly #ready = new Map<string, Ready>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Stores `token` for `transfer`, unless the id was confirmed already or the caps are reached. */
  put(transfer: string, entry: { token: string; aud: string; user: string }): PutResult {
    this.#sweep();
    const key = keyOf(transfer);
    // A second confirmation never replaces the first: the token goes to whoever holds the id.
    if (this.#ready.has(key)) return 'exists';
    let mine = 0;
    for (const r of this.#ready.values()) if (r.user === entry.user) mine++;
    if (mine >= ACCESS_CLI_TRANSFERS_PER_USER || this.#ready.size >= ACCESS_CLI_TRANSFERS_TOTAL) return 'full';
    this.#ready.set(key, { ...entry, expiresAt: this.#now() + ACCESS_CLI_TRANSFER_TTL_MS });
    return 'stored';
  }

  /** The token confirmed for `transfer` and the app `aud`, once; undefined: none (yet), used, or expired. */
  take(transfer: string, aud: string): string | undefined {
    const key = keyOf(transfer);
    const r = this.#ready.get(key);
    if (r === undefined || r.aud !== aud) return undefined;
    this.#ready.delete(key);
    return r.expiresAt > this.#now() ? r.token : undefined;
  }

  get size(): number {
    return this.#ready.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, r] of this.#ready) if (r.expiresAt <= now) this.#ready.delete(k);
  }
}

function keyOf(transfer: string): string {
  return createHash('sha256').update(transfer).digest('base64url');
}
