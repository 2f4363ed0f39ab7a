import type { ApiTokenRow, Repositories } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { Principal } from '../api/principal.js';
import { type PermissionGroup, permissionGroupById, type Scope, scopesOfRoles } from './roles.js';
import { type PolicyTarget, policiesAllow, type TokenPolicy } from './token-policy.js';

/** How many ancestors a token may have: each request walks them, so the chain stays short. */
export const MAX_TOKEN_DEPTH = 8;

const ACCOUNT = /^com\.cloudflare\.api\.account\.([0-9a-f]{32}|\*)$/;
const ZONE = /^com\.cloudflare\.api\.account\.zone\.([0-9a-f]{32}|\*)$/;

function sameDeny(a: TokenPolicy, b: TokenPolicy): boolean {
  const keys = (p: TokenPolicy) => Object.keys(p.resources).sort().join(' ');
  const groups = (p: TokenPolicy) =>
    p.permission_groups
      .map((g) => g.id)
      .sort()
      .join(' ');
  return a.effect === 'deny' && b.effect === 'deny' && keys(a) === keys(b) && groups(a) === groups(b);
}

/** The scopes the caller's roles grant in `accountId` (none when not an accepted member). */
async function roleScopes(tx: Repositories, p: Principal, accountId: string): Promise<Set<Scope>> {
  const m = await tx.identity.membership(accountId, p.user.id);
  return m?.status === 'accepted' ? scopesOfRoles(m.roles) : new Set();
}

/**
 * Refuses `wanted` (the policies of a token the caller creates or edits) unless every right it
 * allows is one the caller has now: their roles in each named account, intersected with their
 * own token's policies. Wildcard resources (`account.*`, `zone.*`) need the same wildcard in the
 * caller's policies (roles still bound them at every request). A caller with deny policies must
 * pass them on, since an allow elsewhere in the new token could otherwise reach past them.
 *
 * A token with no policies means "everything the user's roles allow": only a caller without
 * restrictions may make one.
 */
export async function assertWithinRights(
  tx: Repositories,
  p: Principal,
  wanted: readonly TokenPolicy[],
): Promise<void> {
  if (wanted.length === 0) {
    if (p.policies.length > 0) {
      throw new ApiError(
        'WARREN_API_FORBIDDEN',
        'a token without policies has every right of your roles, more than this API token has; list the policies the new token needs (at most those of this token)',
      );
    }
    return;
  }
  for (const deny of p.policies.filter((x) => x.effect === 'deny')) {
    if (!wanted.some((w) => sameDeny(w, deny))) {
      throw new ApiError(
        'WARREN_API_FORBIDDEN',
        `this API token has a deny policy (${deny.id}); a token it creates must carry the same deny policy`,
      );
    }
  }
  const refuse = (i: number, group: PermissionGroup, key: string): never => {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      `policies[${i}]: "${group.name}" on ${key} is more than you may grant: a token gets at most the rights of the credential that creates it (your roles, narrowed by this token's policies)`,
    );
  };
  for (const [i, policy] of wanted.entries()) {
    if (policy.effect !== 'allow') continue;
    for (const ref of policy.permission_groups) {
      const group = permissionGroupById(ref.id);
      if (group === undefined) continue; // parsePolicies refused unknown groups already
      for (const key of Object.keys(policy.resources)) {
        if (group.scope === 'com.cloudflare.api.user') {
          if (!key.startsWith('com.cloudflare.api.user.')) continue;
          const tokens = group.tokens ?? 'read';
          if (!policiesAllow(p.policies, { kind: 'user', userId: p.user.id, tokens })) refuse(i, group, key);
          continue;
        }
        const account = ACCOUNT.exec(key)?.[1];
        const zone = ZONE.exec(key)?.[1];
        let target: { accountId: string; zoneId?: string } | undefined;
        if (account !== undefined) target = { accountId: account };
        else if (zone !== undefined && group.scope === 'com.cloudflare.api.account.zone') {
          if (zone === '*') target = { accountId: '*', zoneId: '*' };
          else {
            const z = await tx.zones.zone(zone);
            if (z === undefined) refuse(i, group, key);
            else target = { accountId: z.account_id, zoneId: z.id };
          }
        }
        if (target === undefined) continue; // a group that grants nothing on this kind of resource
        const roles = target.accountId === '*' ? undefined : await roleScopes(tx, p, target.accountId);
        for (const scope of group.grants) {
          const t: PolicyTarget = { kind: 'account', accountId: target.accountId, zoneId: target.zoneId, scope };
          if ((roles !== undefined && !roles.has(scope)) || !policiesAllow(p.policies, t)) refuse(i, group, key);
        }
      }
    }
  }
}

/**
 * Why a token's ancestors no longer vouch for it, or undefined when they all still do: a token
 * stops working when the token that created it was deleted, disabled, expired or revoked.
 */
export async function deadAncestor(tx: Repositories, token: ApiTokenRow, nowIso: string): Promise<string | undefined> {
  let parentId = token.parent_token_id;
  for (let depth = 0; parentId !== null && depth < MAX_TOKEN_DEPTH; depth++) {
    const parent = await tx.identity.tokenById(parentId);
    if (parent === undefined) return `the API token ${parentId} that created it was deleted`;
    if (parent.status !== 'active') return `the API token ${parent.id} that created it is ${parent.status}`;
    if (parent.expires_on !== null && nowIso >= parent.expires_on) {
      return `the API token ${parent.id} that created it expired on ${parent.expires_on}`;
    }
    parentId = parent.parent_token_id;
  }
  return undefined;
}

/** How many ancestors a token has (to refuse chains longer than MAX_TOKEN_DEPTH). */
export async function depthOf(tx: Repositories, token: ApiTokenRow): Promise<number> {
  let depth = 0;
  let parentId = token.parent_token_id;
  while (parentId !== null && depth <= MAX_TOKEN_DEPTH) {
    depth++;
    parentId = (await tx.identity.tokenById(parentId))?.parent_token_id ?? null;
  }
  return depth;
}
