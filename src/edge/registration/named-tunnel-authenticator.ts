import { randomBytes } from 'node:crypto';
import { type RegisterRequest, verifyProof } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { ConnectionTracker } from './connection-tracker.js';
import { type AuthResult, credentialsRejected, type TunnelAuthenticator } from './tunnel-authenticator.js';

export const DEFAULT_MAX_TUNNELS_PER_ACCOUNT = 1000;
/** How long an accepted registration counts toward the limit before its link shows up (10 seconds). */
const RESERVATION_MS = 10_000;

/**
 * Named tunnels: the connector proves it holds the tunnel secret (HMAC over the edge's
 * nonce); deleted and unknown tunnels are refused, and so is a tunnel that would take its
 * account over the running-tunnel limit. Refusals are permanent (`retryable: false`): the
 * connector prints them and stops instead of retrying in a loop.
 *
 * Before the proof checks out the caller is a stranger who may know only the tunnel id (it is
 * in every CNAME target): unknown, deleted, other-account and wrong-secret registrations get
 * one and the same answer, after the same work (one secret opened, one HMAC).
 */
export class NamedTunnelAuthenticator implements TunnelAuthenticator {
  readonly #store: Store;
  readonly #tracker: ConnectionTracker;
  readonly #max: number;
  /** Per account: limit checks run one at a time, so two new tunnels cannot both take the last slot. */
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #reserved = new Map<string, Map<string, number>>();
  /** Opened and proved against when there is no live tunnel, so that case costs what a real one does. */
  readonly #decoySealed: string;

  constructor(store: Store, tracker: ConnectionTracker, maxTunnelsPerAccount: number) {
    if (!Number.isInteger(maxTunnelsPerAccount) || maxTunnelsPerAccount < 1) {
      throw new TypeError('maxTunnelsPerAccount must be a positive integer');
    }
    this.#store = store;
    this.#tracker = tracker;
    this.#max = maxTunnelsPerAccount;
    this.#decoySealed = store.secrets.seal(randomBytes(32));
  }

  async authenticate(request: RegisterRequest, nonce: string): Promise<AuthResult> {
    const auth = request.auth;
    if (auth.kind !== 'secret') {
      return refuse(
        'WARREN_AUTH_FAILED',
        'this registration carries no tunnel credentials; run the tunnel with --token or --credentials-file',
      );
    }
    const t = await this.#store.tunnels.tunnel(auth.tunnelId.toLowerCase());
    const live =
      t !== undefined && t.deleted_at === null && (auth.accountTag === undefined || auth.accountTag === t.account_id)
        ? t
        : undefined;
    const secret = this.#store.secrets.open(live?.secret_sealed ?? this.#decoySealed);
    const proved = verifyProof(secret, nonce, auth.proof);
    if (live === undefined || !proved) return credentialsRejected();
    return this.#withinLimit(live.account_id, live.id);
  }

  #withinLimit(accountId: string, tunnelId: string): Promise<AuthResult> {
    const prev = this.#locks.get(accountId) ?? Promise.resolve();
    const next = prev
      .catch(() => {})
      .then(async (): Promise<AuthResult> => {
        const now = Date.now();
        const reserved = this.#reserved.get(accountId) ?? new Map<string, number>();
        // Another link of a tunnel already running here never raises the count: no need to ask
        // the database (a fleet's 4 links per tunnel would otherwise query it 4 times each).
        const until = reserved.get(tunnelId);
        if ((until !== undefined && until >= now) || this.#tracker.localTunnels(accountId).includes(tunnelId)) {
          reserved.set(tunnelId, now + RESERVATION_MS);
          this.#reserved.set(accountId, reserved);
          return { ok: true, tunnelId, accountId };
        }
        for (const [id, until] of reserved) if (until < now) reserved.delete(id);
        // One transaction under a per-account lock in the store: every edge process counts the
        // same running tunnels and slots, so two edges cannot both admit the last one (issue 23).
        const slot = await this.#store.cluster.reserveTunnel(
          accountId,
          tunnelId,
          this.#max,
          now,
          now + RESERVATION_MS,
          this.#tracker.localTunnels(accountId),
        );
        if (!slot.ok) {
          return refuse(
            'WARREN_TUNNEL_LIMIT',
            `account ${accountId} already runs ${slot.running} tunnels, the most it may (--max-tunnels-per-account ${this.#max}); stop one of them, or ask the operator to raise the limit`,
          );
        }
        reserved.set(tunnelId, now + RESERVATION_MS);
        this.#reserved.set(accountId, reserved);
        return { ok: true, tunnelId, accountId };
      });
    this.#locks.set(accountId, next);
    void next.finally(() => {
      if (this.#locks.get(accountId) === next) this.#locks.delete(accountId);
    });
    return next;
  }
}

function refuse(
  code: 'WARREN_AUTH_FAILED' | 'WARREN_TUNNEL_NOT_FOUND' | 'WARREN_TUNNEL_LIMIT',
  message: string,
): AuthResult {
  return { ok: false, failure: { code, message, retryable: false } };
}
