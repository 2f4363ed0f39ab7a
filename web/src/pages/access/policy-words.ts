import type { AccessPolicy, Rule } from '../../api';

export type Decision = AccessPolicy['decision'];

/** A policy's actions, in the order the form offers them. */
export const DECISIONS: readonly (readonly [Decision, string])[] = [
  ['allow', 'Allow'],
  ['deny', 'Deny'],
  ['bypass', 'Bypass (no login)'],
  ['non_identity', 'Service auth (no login page)'],
];

export function decisionWords(d: Decision): string {
  return DECISIONS.find(([v]) => v === d)?.[1] ?? d;
}

/** A rule's words for a list ("e-mail ends in @example.com"). */
export function ruleWords(r: Rule, names: ReadonlyMap<string, string>): string {
  const [kind, v] = Object.entries(r)[0] ?? ['', {}];
  switch (kind) {
    case 'everyone':
      return 'everyone';
    case 'email':
      return `e-mail ${v.email ?? ''}`;
    case 'email_domain':
      return `e-mail ending in @${v.domain ?? ''}`;
    case 'ip':
      return `IP in ${v.ip ?? ''}`;
    case 'group':
      return `group ${names.get(v.id ?? '') ?? v.id ?? ''}`;
    case 'service_token':
      return `service token ${names.get(v.token_id ?? '') ?? v.token_id ?? ''}`;
    case 'any_valid_service_token':
      return 'any valid service token';
    case 'certificate':
      return 'a valid client certificate';
    case 'common_name':
      return `client certificate common name ${v.common_name ?? ''}`;
    default:
      return kind.replaceAll('_', ' ');
  }
}

/** A policy's rules in words: any include rule admits, every require rule must hold, any exclude rule refuses. */
export function policyWords(
  p: Pick<AccessPolicy, 'include' | 'require' | 'exclude'>,
  names: ReadonlyMap<string, string>,
) {
  return [
    `include ${p.include.map((r) => ruleWords(r, names)).join(' or ')}`,
    ...(p.require ?? []).map((r) => `require ${ruleWords(r, names)}`),
    ...(p.exclude ?? []).map((r) => `exclude ${ruleWords(r, names)}`),
  ].join('; ');
}
