import { Type } from '@sinclair/typebox';
import type { AccessRule } from '../../access/index.js';
import { ApiError } from '../api/api-error.js';
import { AnyObject } from '../api/api-route.js';

/** JSON schema of a rule list; each rule's shape is checked by {@link parseRules}. */
export const RULES_SCHEMA = Type.Array(AnyObject(), { maxItems: 200 });

const SUPPORTED =
  'everyone, email, email_domain, ip, service_token, any_valid_service_token, group, login_method, oidc, certificate, common_name';

function str(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 1024;
}

/** Checks Cloudflare-shaped rules (one key each) and returns them typed; errors name the rule. */
export function parseRules(raw: readonly unknown[] | undefined, where: string): AccessRule[] {
  return (raw ?? []).map((r, i) => {
    try {
      return parseRule(r, `${where}[${i}]`);
    } catch (err) {
      // The rule at fault as a JSON pointer (/include/1): the dashboard shows the message by that rule.
      if (err instanceof ApiError && err.pointer === undefined) err.at(`/${where}/${i}`);
      throw err;
    }
  });
}

function parseRule(r: unknown, at: string): AccessRule {
  const keys = typeof r === 'object' && r !== null ? Object.keys(r) : [];
  if (keys.length !== 1) throw ApiError.invalid(`${at} must be an object with one rule key (${SUPPORTED})`);
  const kind = keys[0] as string;
  const v = (r as Record<string, unknown>)[kind];
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  switch (kind) {
    case 'everyone':
      return { everyone: {} };
    case 'any_valid_service_token':
      return { any_valid_service_token: {} };
    case 'certificate':
      return { certificate: {} };
    case 'common_name':
      if (!str(o.common_name))
        throw ApiError.invalid(`${at}.common_name.common_name must be a certificate's common name`);
      return { common_name: { common_name: o.common_name } };
    case 'email':
      if (!str(o.email) || !o.email.includes('@'))
        throw ApiError.invalid(`${at}.email.email must be an e-mail address`);
      return { email: { email: o.email } };
    case 'email_domain':
      if (!str(o.domain)) throw ApiError.invalid(`${at}.email_domain.domain must be a domain, e.g. example.com`);
      return { email_domain: { domain: o.domain } };
    case 'ip':
      if (!str(o.ip) || !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(o.ip)) {
        throw ApiError.invalid(`${at}.ip.ip must be an IPv4 or IPv6 address or CIDR, e.g. 192.0.2.0/24`);
      }
      return { ip: { ip: o.ip } };
    case 'service_token':
      if (!str(o.token_id)) throw ApiError.invalid(`${at}.service_token.token_id must be a service token id`);
      return { service_token: { token_id: o.token_id } };
    case 'group':
      if (!str(o.id)) throw ApiError.invalid(`${at}.group.id must be an Access group id`);
      return { group: { id: o.id } };
    case 'login_method':
      if (!str(o.id)) throw ApiError.invalid(`${at}.login_method.id must be an identity provider id`);
      return { login_method: { id: o.id } };
    case 'oidc': {
      if (!str(o.claim_name) || !str(o.claim_value)) {
        throw ApiError.invalid(`${at}.oidc needs claim_name and claim_value (and identity_provider_id)`);
      }
      const rule: AccessRule = { oidc: { claim_name: o.claim_name, claim_value: o.claim_value } };
      if (str(o.identity_provider_id)) rule.oidc.identity_provider_id = o.identity_provider_id;
      return rule;
    }
    default:
      throw ApiError.invalid(`${at}: the rule "${kind}" is not supported by warren; use one of ${SUPPORTED}`);
  }
}
