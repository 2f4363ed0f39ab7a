import type { AccessKeyRow, Repositories, SecretBox, Store } from '../store/index.js';
import { type JwksDocument, jwksDocument } from './jwks-document.js';
import { generateSigningKey, importSigningKey, type SigningKey } from './signing-key.js';

export const DEFAULT_KEY_ROTATION_INTERVAL_DAYS = 42; // 6 weeks, Cloudflare's default
/** A replaced key still verifies this long, so tokens signed just before a rotation stay valid. */
export const KEY_OVERLAP_MS = 7 * 86_400_000; // 7 days
const DAY_MS = 86_400_000;

/** Cloudflare's `/accounts/{a}/access/keys` result. */
export interface KeySettingsView {
  key_rotation_interval_days: number;
  last_key_rotation_at: string | null;
  days_until_next_rotation: number;
}

/**
 * Per-account RS256 signing keys: the current key signs, retired keys verify for 7 more days.
 * Private keys are sealed with the secret box at rest; imported keys are cached in memory.
 */
export class AccessKeyRing {
  readonly #store: Store;
  readonly #imported = new Map<string, Promise<SigningKey>>();
  readonly #creating = new Map<string, Promise<AccessKeyRow>>();

  constructor(store: Store) {
    this.#store = store;
  }

  get #now(): Date {
    return this.#store.clock.now();
  }

  /** The key that signs this account's tokens now; the account's first key is made on first use. */
  async signingKey(accountId: string): Promise<SigningKey> {
    const row = (await this.#store.accessKeys.currentKey(accountId)) ?? (await this.#createFirst(accountId));
    let key = this.#imported.get(row.kid);
    if (key === undefined) {
      key = importSigningKey(row.kid, this.#store.secrets.open(row.private_sealed).toString('utf8'));
      this.#imported.set(row.kid, key);
    }
    return key;
  }

  /** The account's JWKS document (empty before its first key). Never creates a key. */
  async jwks(accountId: string): Promise<JwksDocument> {
    const rows = await this.#store.accessKeys.liveKeys(accountId, this.#now);
    return jwksDocument(
      rows.map((r) => ({
        kid: r.kid,
        publicJwk: JSON.parse(r.public_jwk) as JsonWebKeyShape,
        certificate: r.certificate,
      })),
    );
  }

  /**
   * Replaces the current key by the published next key (verifiers that fetched the JWKS since
   * the last rotation already hold it), and publishes a new next key. The old key verifies for
   * {@link KEY_OVERLAP_MS}.
   */
  async rotate(accountId: string, tx?: Repositories): Promise<void> {
    const now = this.#now;
    const spare = await newKeyRow(accountId, now, this.#store.secrets, false);
    const fallback = await newKeyRow(accountId, now, this.#store.secrets, true);
    const apply = async (r: Repositories): Promise<void> => {
      const next = await r.accessKeys.nextKey(accountId);
      await r.accessKeys.retireCurrentKeys(accountId, new Date(now.getTime() + KEY_OVERLAP_MS));
      if (next !== undefined) await r.accessKeys.activateKey(next.kid, now);
      else await r.accessKeys.insertKey(fallback);
      await r.accessKeys.insertKey(spare);
      const s = await r.accessKeys.keySettings(accountId);
      await r.accessKeys.putKeySettings({
        account_id: accountId,
        key_rotation_interval_days: s?.key_rotation_interval_days ?? DEFAULT_KEY_ROTATION_INTERVAL_DAYS,
        last_key_rotation_at: now.toISOString(),
      });
    };
    if (tx !== undefined) await apply(tx);
    else await this.#store.transaction(apply);
  }

  async settings(accountId: string, r: Repositories = this.#store): Promise<KeySettingsView> {
    const s = await r.accessKeys.keySettings(accountId);
    const interval = s?.key_rotation_interval_days ?? DEFAULT_KEY_ROTATION_INTERVAL_DAYS;
    const last = s?.last_key_rotation_at ?? (await r.accessKeys.currentKey(accountId))?.activated_at ?? null;
    const due = last === null ? 0 : new Date(last).getTime() + interval * DAY_MS - this.#now.getTime();
    return {
      key_rotation_interval_days: interval,
      last_key_rotation_at: last,
      days_until_next_rotation: Math.max(0, Math.ceil(due / DAY_MS)),
    };
  }

  async setRotationInterval(accountId: string, days: number, r: Repositories = this.#store): Promise<void> {
    const s = await r.accessKeys.keySettings(accountId);
    await r.accessKeys.putKeySettings({
      account_id: accountId,
      key_rotation_interval_days: days,
      last_key_rotation_at: s?.last_key_rotation_at ?? null,
    });
  }

  /** Rotates every account whose current key is older than its interval; returns their ids. */
  async rotateDue(): Promise<string[]> {
    const rotated: string[] = [];
    for (const accountId of await this.#store.accessKeys.accountsWithKeys()) {
      const s = await this.settings(accountId);
      if (s.last_key_rotation_at !== null && s.days_until_next_rotation === 0) {
        await this.rotate(accountId);
        rotated.push(accountId);
      }
    }
    await this.#store.accessKeys.deleteExpiredKeys(this.#now);
    return rotated;
  }

  async #createFirst(accountId: string): Promise<AccessKeyRow> {
    let p = this.#creating.get(accountId);
    if (p === undefined) {
      p = (async () => {
        const row = await newKeyRow(accountId, this.#now, this.#store.secrets, true);
        const next = await newKeyRow(accountId, this.#now, this.#store.secrets, false);
        await this.#store.transaction(async (tx) => {
          await tx.accessKeys.insertKey(row);
          await tx.accessKeys.insertKey(next);
        });
        return row;
      })().finally(() => this.#creating.delete(accountId));
      this.#creating.set(accountId, p);
    }
    return p;
  }
}

type JsonWebKeyShape = { kty: string; n?: string; e?: string };

async function newKeyRow(accountId: string, now: Date, secrets: SecretBox, active: boolean): Promise<AccessKeyRow> {
  const m = await generateSigningKey(now);
  return {
    kid: m.kid,
    account_id: accountId,
    public_jwk: JSON.stringify(m.publicJwk),
    private_sealed: secrets.seal(Buffer.from(m.privatePkcs8, 'utf8')),
    certificate: m.certificate,
    created_at: now.toISOString(),
    activated_at: active ? now.toISOString() : null,
    retired_at: null,
    expires_at: null,
  };
}
