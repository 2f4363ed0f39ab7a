import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** One rule of a policy's include / require / exclude list (Cloudflare's shapes). */
export type AccessRule =
  | { everyone: Record<string, never> }
  | { email: { email: string } }
  | { email_domain: { domain: string } }
  | { ip: { ip: string } }
  | { service_token: { token_id: string } }
  | { any_valid_service_token: Record<string, never> }
  | { group: { id: string } }
  | { login_method: { id: string } }
  | { oidc: { claim_name: string; claim_value: string; identity_provider_id?: string } }
  | { certificate: Record<string, never> }
  | { common_name: { common_name: string } };

/** What the gate knows about a request: a signed-in user, a service token, or neither; and its address. */
export interface AccessIdentity {
  ip: string;
  email?: string | undefined;
  /** The identity provider the user signed in with (`login_method` rules). */
  loginMethod?: string | undefined;
  /** Claims of the OIDC id token (`oidc` rules). */
  oidcClaims?: Readonly<Record<string, unknown>> | undefined;
  /** A valid service token's id (`service_token`, `any_valid_service_token`). */
  serviceTokenId?: string | undefined;
  /**
   * The common name of a client certificate that chains to one of the app's account's uploaded
   * CAs (mutual TLS, `certificate` and `common_name` rules); undefined: none, or not valid.
   */
  certificateCommonName?: string | undefined;
}

/** An Access group: rules matched like a policy's. */
export interface AccessGroupDef {
  id: string;
  include: readonly AccessRule[];
  require: readonly AccessRule[];
  exclude: readonly AccessRule[];
}

export type GroupLookup = (id: string) => AccessGroupDef | undefined;

const MAX_GROUP_DEPTH = 4; // groups may name groups; a cycle must not recurse forever
const blockLists = new Map<string, BlockList | null>();

/** A BlockList of one CIDR (or address), parsed once; null when it does not parse (matches nothing). */
function cidr(text: string): BlockList | null {
  let list = blockLists.get(text);
  if (list !== undefined) return list;
  const [addr = '', bits] = text.split('/');
  const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
  const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
  if (family === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) {
    list = null;
  } else {
    list = new BlockList();
    list.addSubnet(addr, prefix, family);
  }
  blockLists.set(text, list);
  return list;
}

function ipMatches(ip: string, range: string): boolean {
  const list = cidr(range);
  if (list === null) return false;
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return list.check(v4, 'ipv4');
  return isIPv6(v4) && list.check(v4, 'ipv6');
}

/** Whether one rule matches the identity. */
export function ruleMatches(rule: AccessRule, who: AccessIdentity, groups: GroupLookup, depth = 0): boolean {
  if ('everyone' in rule) return true;
  if ('email' in rule) return who.email !== undefined && who.email.toLowerCase() === rule.email.email.toLowerCase();
  if ('email_domain' in rule) {
    const domain = rule.email_domain.domain.toLowerCase().replace(/^@/, '');
    return (who.email ?? '').toLowerCase().endsWith(`@${domain}`);
  }
  if ('ip' in rule) return ipMatches(who.ip, rule.ip.ip);
  if ('service_token' in rule)
    return who.serviceTokenId !== undefined && who.serviceTokenId === rule.service_token.token_id;
  if ('any_valid_service_token' in rule) return who.serviceTokenId !== undefined;
  if ('login_method' in rule) return who.loginMethod !== undefined && who.loginMethod === rule.login_method.id;
  if ('oidc' in rule) {
    const o = rule.oidc;
    if (o.identity_provider_id !== undefined && o.identity_provider_id !== who.loginMethod) return false;
    const v = who.oidcClaims?.[o.claim_name];
    return Array.isArray(v) ? v.some((x) => x === o.claim_value) : v === o.claim_value;
  }
  if ('certificate' in rule) return who.certificateCommonName !== undefined;
  if ('common_name' in rule) {
    // Exact, as Cloudflare compares it; a certificate without a CN never matches.
    const cn = who.certificateCommonName;
    return cn !== undefined && cn !== '' && cn === rule.common_name.common_name;
  }
  if ('group' in rule) {
    const g = groups(rule.group.id);
    return g !== undefined && depth < MAX_GROUP_DEPTH && rulesMatch(g, who, groups, depth + 1);
  }
  return false;
}

/** include (any one), require (every one), exclude (none): Cloudflare's OR / AND / NOT. */
export function rulesMatch(
  p: { include: readonly AccessRule[]; require: readonly AccessRule[]; exclude: readonly AccessRule[] },
  who: AccessIdentity,
  groups: GroupLookup,
  depth = 0,
): boolean {
  return (
    p.include.some((r) => ruleMatches(r, who, groups, depth)) &&
    p.require.every((r) => ruleMatches(r, who, groups, depth)) &&
    !p.exclude.some((r) => ruleMatches(r, who, groups, depth))
  );
}
