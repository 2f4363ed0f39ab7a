import { ApiError } from '../api/api-error.js';
import { type PermissionGroup, permissionGroupById, type Scope } from './roles.js';

/** A Cloudflare-shaped token policy, validated. */
export interface TokenPolicy {
  id: string;
  effect: 'allow' | 'deny';
  resources: Record<string, string>;
  permission_groups: { id: string; name: string }[];
}

/** What a request touches: an account (and maybe one of its zones), or the user's own tokens. */
export type PolicyTarget =
  | { kind: 'account'; accountId: string; zoneId?: string | undefined; scope: Scope }
  | { kind: 'user'; userId: string; tokens: 'read' | 'write' };

const RESOURCE =
  /^com\.cloudflare\.api\.(account\.zone\.([0-9a-f]{32}|\*)|account\.([0-9a-f]{32}|\*)|user\.([0-9a-f]{32}|\*))$/;

/** Parses policies from an API body (already shape-checked by the JSON schema). */
export function parsePolicies(raw: readonly RawPolicy[], newId: () => string): TokenPolicy[] {
  return raw.map((p, i) => {
    const resources: Record<string, string> = {};
    for (const [key, value] of Object.entries(p.resources)) {
      if (!RESOURCE.test(key)) {
        throw ApiError.invalid(
          `policies[${i}].resources: "${key}" is not a resource; use com.cloudflare.api.account.<account id>, com.cloudflare.api.account.zone.<zone id> or com.cloudflare.api.user.<user id> (or .* for all)`,
        );
      }
      if (value !== '*') throw ApiError.invalid(`policies[${i}].resources["${key}"] must be "*"`);
      resources[key] = value;
    }
    const groups = p.permission_groups.map((g) => {
      const known = permissionGroupById(g.id);
      if (known === undefined) {
        throw ApiError.invalid(
          `policies[${i}].permission_groups: ${g.id} is not a permission group; list them with GET /user/tokens/permission_groups`,
        );
      }
      return { id: known.id, name: known.name };
    });
    return { id: p.id ?? newId(), effect: p.effect, resources, permission_groups: groups };
  });
}

/** Policies as stored (JSON written by this module from validated input). */
export function parseStoredPolicies(json: string): TokenPolicy[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? (v as TokenPolicy[]) : [];
}

/** Group ids the cert.pem token gets (see `certPemPolicies`). */
const TUNNEL_WRITE_GROUP = 'c07321b023e944ff818fec44d8203567';
const DNS_WRITE_GROUP = '4755a26eedb94da69e1066d98aa820be';

/**
 * What the token in cert.pem may do: what `warren tunnel …` needs and nothing more — the
 * account's tunnels, and DNS records and origin certificates of the one zone it was issued for.
 * No members, no API tokens, no other zone.
 */
export function certPemPolicies(zone: { id: string; account_id: string }, newId: () => string): TokenPolicy[] {
  const group = (id: string) => {
    const g = permissionGroupById(id);
    if (g === undefined) throw new Error(`permission group ${id} is missing from roles.ts`);
    return { id: g.id, name: g.name };
  };
  return [
    {
      id: newId(),
      effect: 'allow',
      resources: { [`com.cloudflare.api.account.${zone.account_id}`]: '*' },
      permission_groups: [group(TUNNEL_WRITE_GROUP)],
    },
    {
      id: newId(),
      effect: 'allow',
      resources: { [`com.cloudflare.api.account.zone.${zone.id}`]: '*' },
      permission_groups: [group(DNS_WRITE_GROUP)],
    },
  ];
}

export interface RawPolicy {
  id?: string;
  effect: 'allow' | 'deny';
  resources: Record<string, string>;
  permission_groups: { id: string; name?: string }[];
}

function resourceMatches(key: string, target: PolicyTarget, group: PermissionGroup): boolean {
  if (target.kind === 'user') {
    return (
      group.scope === 'com.cloudflare.api.user' &&
      (key === 'com.cloudflare.api.user.*' || key === `com.cloudflare.api.user.${target.userId}`)
    );
  }
  if (group.scope === 'com.cloudflare.api.user') return false;
  if (key === 'com.cloudflare.api.account.*' || key === `com.cloudflare.api.account.${target.accountId}`) return true;
  // Zone resources cover zone-level groups on that zone only.
  if (target.zoneId === undefined || group.scope !== 'com.cloudflare.api.account.zone') return false;
  return key === 'com.cloudflare.api.account.zone.*' || key === `com.cloudflare.api.account.zone.${target.zoneId}`;
}

function grants(group: PermissionGroup, target: PolicyTarget): boolean {
  if (target.kind === 'user') return group.tokens === 'write' || (group.tokens === 'read' && target.tokens === 'read');
  return group.grants.includes(target.scope);
}

/** Deny wins over allow; no matching allow means no. A token without policies is not limited by this. */
export function policiesAllow(policies: readonly TokenPolicy[], target: PolicyTarget): boolean {
  if (policies.length === 0) return true;
  let allowed = false;
  for (const p of policies) {
    for (const g of p.permission_groups) {
      const group = permissionGroupById(g.id);
      if (group === undefined || !grants(group, target)) continue;
      if (!Object.keys(p.resources).some((k) => resourceMatches(k, target, group))) continue;
      if (p.effect === 'deny') return false;
      allowed = true;
    }
  }
  return allowed;
}
