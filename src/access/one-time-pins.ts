import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/index.js';

export const OTP_TTL_MS = 10 * 60_000; // 10 minutes, as Cloudflare's one-time PIN
export const OTP_MAX_ATTEMPTS = 5; // wrong codes before the code is void
const KIND = 'pin';

/** What a submitted code leads to. */
export type PinCheck =
  | { ok: true; email: string }
  | { ok: false; why: 'wrong'; email: string }
  | { ok: false; why: 'void'; email: string | undefined };

/** The code's hash, salted with its id (so equal codes of two logins differ in the store). */
const hash = (id: string, code: string): string => createHash('sha256').update(`${id}:${code}`).digest('hex');

/**
 * One-time PINs for e-mail login: 6 digits, valid {@link OTP_TTL_MS}, used once, void after
 * {@link OTP_MAX_ATTEMPTS} wrong tries. Each code has a random id that the login form carries;
 * only the code's hash is kept. A code is also issued for addresses no policy admits (and never
 * mailed), so the login form answers the same for every address.
 *
 * Kept in the store (issue 23), so a login whose code was sent by one edge process finishes on
 * any other: the right code is used up by one atomic delete, and wrong tries are counted in the row.
 */
export class OneTimePins {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** A new code for `email` on app `aud`: its id (for the form) and the code (for the mail only). */
  async issue(email: string, aud: string): Promise<{ id: string; code: string }> {
    const now = this.#store.clock.now().getTime();
    const id = randomBytes(18).toString('base64url');
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    await this.#store.cluster.putPending(
      {
        kind: KIND,
        id,
        secret_hash: hash(id, code),
        payload: JSON.stringify({ email, aud }),
        expires_ms: now + OTP_TTL_MS,
        attempts: 0,
      },
      now,
    );
    return { id, code };
  }

  /** The address a pending code was sent to (for throttling before the check), if it is still pending. */
  async emailOf(id: string): Promise<string | undefined> {
    return (await this.#pending(id))?.email;
  }

  /** Checks `code` for the code `id` of app `aud`; a right code is used up, and so is the last wrong one. */
  async check(id: string, aud: string, code: string): Promise<PinCheck> {
    const p = await this.#pending(id);
    if (p === undefined || p.aud !== aud) return { ok: false, why: 'void', email: undefined };
    const cluster = this.#store.cluster;
    if (this.#store.clock.now().getTime() >= p.expiresMs || p.attempts >= OTP_MAX_ATTEMPTS) {
      await cluster.takePending(KIND, id);
      return { ok: false, why: 'void', email: p.email };
    }
    const given = Buffer.from(hash(id, code.trim()), 'hex');
    if (timingSafeEqual(given, Buffer.from(p.secretHash, 'hex'))) {
      // Single use across processes: only the caller whose delete removed the row signs in.
      if (await cluster.takePending(KIND, id)) return { ok: true, email: p.email };
      return { ok: false, why: 'void', email: p.email };
    }
    const attempts = await cluster.attemptPending(KIND, id);
    if (attempts === undefined || attempts >= OTP_MAX_ATTEMPTS) {
      await cluster.takePending(KIND, id);
      return { ok: false, why: 'void', email: p.email };
    }
    return { ok: false, why: 'wrong', email: p.email };
  }

  async #pending(
    id: string,
  ): Promise<{ email: string; aud: string; secretHash: string; expiresMs: number; attempts: number } | undefined> {
    const row = await this.#store.cluster.pending(KIND, id);
    if (row === undefined) return undefined;
    const { email, aud } = JSON.parse(row.payload) as { email: string; aud: string };
    return { email, aud, secretHash: row.secret_hash, expiresMs: row.expires_ms, attempts: row.attempts };
  }
}
