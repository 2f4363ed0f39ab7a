import { createHash } from 'node:crypto';
import { isUniqueViolation, type Store } from '../../store/index.js';

/** A confirmed transfer lives this long for the CLI to take it. */
export const ACCESS_CLI_TRANSFER_TTL_MS = 5 * 60_000; // 5 minutes
/** Confirmed transfers kept at once in total: bounds the store whatever signed-in visitors do. */
export const ACCESS_CLI_TRANSFERS_TOTAL = 1000;
/** Confirmed transfers one identity may hold at once: a person runs `warren access login` a few times at most. */
export const ACCESS_CLI_TRANSFERS_PER_USER = 5;
const KIND = 'cli';

export type PutResult = 'stored' | 'exists' | 'full';

/**
 * App tokens handed to `warren access login` by transfer id: one is stored only once a signed-in
 * visitor confirmed it (nothing before), taken once, gone after 5 minutes, and the total and the
 * count per identity are capped. Keys are hashes of the ids; the token is sealed with the store's
 * key. In the store (issue 23): the CLI's poll may reach another edge process than the
 * confirmation did.
 */
export class AccessCliTransfers {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Stores `token` for `transfer`, unless the id was confirmed already or the caps are reached. */
  async put(transfer: string, entry: { token: string; aud: string; user: string }): Promise<PutResult> {
    const now = this.#store.clock.now().getTime();
    const cluster = this.#store.cluster;
    const key = keyOf(transfer);
    // A second confirmation never replaces the first: the token goes to whoever holds the id.
    if ((await cluster.pending(KIND, key)) !== undefined) return 'exists';
    const owner = keyOf(`user:${entry.user}`);
    if (
      (await cluster.countPending(KIND, now, owner)) >= ACCESS_CLI_TRANSFERS_PER_USER ||
      (await cluster.countPending(KIND, now)) >= ACCESS_CLI_TRANSFERS_TOTAL
    ) {
      return 'full';
    }
    try {
      await cluster.putPending(
        {
          kind: KIND,
          id: key,
          // The owner's hash (for the per-identity cap), not a secret: the id is the secret here.
          secret_hash: owner,
          payload: this.#store.secrets.seal(Buffer.from(JSON.stringify({ token: entry.token, aud: entry.aud }))),
          expires_ms: now + ACCESS_CLI_TRANSFER_TTL_MS,
          attempts: 0,
        },
        now,
      );
    } catch (err) {
      if (isUniqueViolation(err)) return 'exists';
      throw err;
    }
    return 'stored';
  }

  /** The token confirmed for `transfer` and the app `aud`, once; undefined: none (yet), used, or expired. */
  async take(transfer: string, aud: string): Promise<string | undefined> {
    const key = keyOf(transfer);
    const cluster = this.#store.cluster;
    const row = await cluster.pending(KIND, key);
    if (row === undefined) return undefined;
    const r = JSON.parse(this.#store.secrets.open(row.payload).toString('utf8')) as { token: string; aud: string };
    if (r.aud !== aud || !(await cluster.takePending(KIND, key))) return undefined;
    return row.expires_ms > this.#store.clock.now().getTime() ? r.token : undefined;
  }

  /** Confirmed transfers not yet expired. */
  size(): Promise<number> {
    return this.#store.cluster.countPending(KIND, this.#store.clock.now().getTime());
  }
}

function keyOf(transfer: string): string {
  return createHash('sha256').update(transfer).digest('base64url');
}
