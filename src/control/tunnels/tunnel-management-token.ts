import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WarrenError } from '../../errors/index.js';
import type { SecretBox } from '../../store/index.js';
import type { Clock } from '../../time/index.js';

/** How long a management token may open a session; the session then lives while it is connected. */
export const MANAGEMENT_TOKEN_TTL_MS = 5 * 60_000; // 5 minutes
/** Resources a management token may name (cloudflared's `management` resources). */
export const MANAGEMENT_RESOURCES = ['logs'] as const;
export type ManagementResource = (typeof MANAGEMENT_RESOURCES)[number];
/** Longer input is refused unread. */
const MAX_TOKEN_LENGTH = 1024;
const PREFIX = 'wmt1';
/** Label of the HMAC key derived from the secret key (SecretBox.derive): the same on every process sharing it. */
const KEY_LABEL = 'warren management token v1';

export interface ManagementClaims {
  accountId: string;
  tunnelId: string;
  resources: ManagementResource[];
  /** Unix milliseconds after which the token opens nothing. */
  expiresAt: number;
  /** Random id, for the audit entry and logs (never the token). */
  id: string;
}

/**
 * Short-lived tokens for the edge's management endpoint (`warren tail`): `wmt1.<claims>.<mac>`,
 * HMAC-SHA256 under a key derived from the deployment's secret key, so every edge process that
 * shares the database (and so WARREN_SECRET_KEY) verifies them without a lookup.
 */
export class ManagementTokens {
  readonly #key: Buffer;
  readonly #clock: Clock;

  constructor(secrets: SecretBox, clock: Clock) {
    this.#key = secrets.derive(KEY_LABEL);
    this.#clock = clock;
  }

  issue(
    accountId: string,
    tunnelId: string,
    resources: ManagementResource[],
  ): { token: string; claims: ManagementClaims } {
    const claims: ManagementClaims = {
      accountId,
      tunnelId,
      resources,
      expiresAt: this.#clock.now().getTime() + MANAGEMENT_TOKEN_TTL_MS,
      id: randomBytes(12).toString('base64url'),
    };
    const body = Buffer.from(
      JSON.stringify({ a: accountId, t: tunnelId, r: resources, exp: claims.expiresAt, jti: claims.id }),
    ).toString('base64url');
    return { token: `${PREFIX}.${body}.${this.#mac(body)}`, claims };
  }

  /** The claims of a token that opens `resource` on `tunnelId` now; WARREN_MANAGEMENT_TOKEN_INVALID otherwise. */
  verify(token: string, tunnelId: string, resource: ManagementResource): ManagementClaims {
    const refuse = (why: string): WarrenError =>
      new WarrenError(
        'WARREN_MANAGEMENT_TOKEN_INVALID',
        `the management token ${why}; run \`warren tail\` again for a new one`,
      );
    if (token.length > MAX_TOKEN_LENGTH) throw refuse('is too long');
    const [prefix, body, mac, extra] = token.split('.');
    if (prefix !== PREFIX || body === undefined || mac === undefined || extra !== undefined) {
      throw refuse('is malformed');
    }
    const expected = Buffer.from(this.#mac(body), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw refuse('was not issued by this deployment');
    }
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims: ManagementClaims = {
      accountId: String(c.a),
      tunnelId: String(c.t),
      resources: Array.isArray(c.r) ? (c.r.filter((r) => r === 'logs') as ManagementResource[]) : [],
      expiresAt: Number(c.exp),
      id: String(c.jti),
    };
    if (!(claims.expiresAt > this.#clock.now().getTime()))
      throw refuse('has expired (it opens a session within 5 minutes)');
    if (claims.tunnelId !== tunnelId.toLowerCase()) throw refuse(`is for another tunnel than ${tunnelId}`);
    if (!claims.resources.includes(resource)) throw refuse(`does not grant "${resource}"`);
    return claims;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(`${PREFIX}.${body}`).digest('base64url');
  }
}
