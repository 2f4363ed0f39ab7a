import { type AccessIdentity, type AccessRule, type GroupLookup, rulesMatch } from './access-rule.js';

export type PolicyDecision = 'allow' | 'deny' | 'non_identity' | 'bypass';

export interface AccessPolicyDef {
  id: string;
  decision: PolicyDecision;
  precedence: number;
  include: readonly AccessRule[];
  require: readonly AccessRule[];
  exclude: readonly AccessRule[];
}

export interface PolicyVerdict {
  /** allow / bypass / non_identity let the request through; deny (or no match) refuses it. */
  decision: PolicyDecision;
  /** The policy that decided; undefined: nothing matched (deny by default). */
  policyId: string | undefined;
}

const byPrecedence = (a: AccessPolicyDef, b: AccessPolicyDef): number => a.precedence - b.precedence;

/**
 * Evaluates an application's policies as Cloudflare's docs state it: `bypass` and `non_identity`
 * policies first, top to bottom; then `allow` and `deny` by precedence, where the first match
 * ends evaluation; deny by default. A `non_identity` policy sees only what is not an identity
 * (address, service token, client certificate), and a service token alone is never enough for an `allow` policy:
 * service tokens get in only where a `non_identity` policy matches.
 */
export function evaluatePolicies(
  policies: readonly AccessPolicyDef[],
  who: AccessIdentity,
  groups: GroupLookup = () => undefined,
): PolicyVerdict {
  const sorted = [...policies].sort(byPrecedence);
  // A client certificate is no identity either: mTLS devices pass `non_identity` policies.
  const anonymous: AccessIdentity = {
    ip: who.ip,
    serviceTokenId: who.serviceTokenId,
    certificateCommonName: who.certificateCommonName,
  };
  for (const p of sorted) {
    if (p.decision === 'bypass' && rulesMatch(p, who, groups)) return { decision: 'bypass', policyId: p.id };
    if (p.decision === 'non_identity' && rulesMatch(p, anonymous, groups)) {
      return { decision: 'non_identity', policyId: p.id };
    }
  }
  // allow/deny decide about people: without a signed-in identity there is nothing to allow.
  if (who.email !== undefined) {
    const person: AccessIdentity = { ...who, serviceTokenId: undefined };
    for (const p of sorted) {
      if ((p.decision === 'allow' || p.decision === 'deny') && rulesMatch(p, person, groups)) {
        return { decision: p.decision, policyId: p.id };
      }
    }
  }
  return { decision: 'deny', policyId: undefined };
}

/** Whether a verdict lets the request reach the app. */
export function admits(v: PolicyVerdict): boolean {
  return v.decision !== 'deny';
}
