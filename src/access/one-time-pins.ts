import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const OTP_TTL_MS = 10 * 60_000; // 10 minutes, as Cloudflare's one-time PIN
export const OTP_MAX_ATTEMPTS = 5; // wrong codes before the code is void
// Memory bound: codes waiting to be entered; past it the oldest are dropped.
const MAX_PENDING = 50_000;

interface Pending {
  email: string;
  /** The app the code was asked for (AUD tag): a code opens only the login it was sent for. */
  aud: string;
  codeHash: Buffer;
  expiresMs: number;
  attempts: number;
}

/** What a submitted code leads to. */
export type PinCheck =
  | { ok: true; email: string }
  | { ok: false; why: 'wrong'; email: string }
  | { ok: false; why: 'void'; email: string | undefined };

const hash = (code: string): Buffer => createHash('sha256').update(code).digest();

/**
 * One-time PINs for e-mail login: 6 digits, valid {@link OTP_TTL_MS}, used once, void after
 * {@link OTP_MAX_ATTEMPTS} wrong tries. Each code has a random id that the login form carries;
 * only the code's hash is kept. A code is also issued for addresses no policy admits (and never
 * mailed), so the login form answers the same for every address.
 *
 * In memory, per process: a login finishes on the edge process that sent its code.
 */
export class OneTimePins {
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new code for `email` on app `aud`: its id (for the form) and the code (for the mail only). */
  issue(email: string, aud: string): { id: string; code: string } {
    const now = this.#now();
    if (this.#pending.size >= MAX_PENDING) {
      for (const [id, p] of this.#pending) if (p.expiresMs <= now) this.#pending.delete(id);
      const oldest = this.#pending.keys().next();
      if (this.#pending.size >= MAX_PENDING && oldest.done !== true) this.#pending.delete(oldest.value);
    }
    const id = randomBytes(18).toString('base64url');
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    this.#pending.set(id, { email, aud, codeHash: hash(code), expiresMs: now + OTP_TTL_MS, attempts: 0 });
    return { id, code };
  }

  /** The address a pending code was sent to (for throttling before the check), if it is still pending. */
  emailOf(id: string): string | undefined {
    return this.#pending.get(id)?.email;
  }

  /** Checks `code` for the code `id` of app `aud`; a right code is used up, and so is the last wrong one. */
  check(id: string, aud: string, code: string): PinCheck {
    const p = this.#pending.get(id);
    if (p === undefined || p.aud !== aud) return { ok: false, why: 'void', email: undefined };
    if (this.#now() >= p.expiresMs || p.attempts >= OTP_MAX_ATTEMPTS) {
      this.#pending.delete(id);
      return { ok: false, why: 'void', email: p.email };
    }
    const given = hash(code.trim());
    if (timingSafeEqual(given, p.codeHash)) {
      this.#pending.delete(id);
      return { ok: true, email: p.email };
    }
    p.attempts += 1;
    if (p.attempts >= OTP_MAX_ATTEMPTS) {
      this.#pending.delete(id);
      return { ok: false, why: 'void', email: p.email };
    }
    return { ok: false, why: 'wrong', email: p.email };
  }
}
