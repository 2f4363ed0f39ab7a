import { type Static, Type } from '@sinclair/typebox';
import type { AccessPolicyDef } from '../../access/index.js';
import type { AccessPolicyRow } from '../../store/index.js';
import { Enum } from '../api/api-route.js';
import { parseRules, RULES_SCHEMA } from './access-rule-input.js';

export const POLICY_SCHEMA = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 350 }),
  decision: Enum(['allow', 'deny', 'non_identity', 'bypass'] satisfies AccessPolicyDef['decision'][]),
  include: RULES_SCHEMA,
  require: Type.Optional(RULES_SCHEMA),
  exclude: Type.Optional(RULES_SCHEMA),
  precedence: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  session_duration: Type.Optional(Type.String({ maxLength: 32 })),
  approval_required: Type.Optional(Type.Boolean()),
  isolation_required: Type.Optional(Type.Boolean()),
  purpose_justification_required: Type.Optional(Type.Boolean()),
  purpose_justification_prompt: Type.Optional(Type.String({ maxLength: 1024 })),
});

export type PolicyBody = Static<typeof POLICY_SCHEMA>;

/** The stored document of a policy: rules checked, precedence kept in its column. */
export function policyData(body: PolicyBody): string {
  const { precedence: _p, ...rest } = body;
  return JSON.stringify({
    ...rest,
    include: parseRules(body.include, 'include'),
    require: parseRules(body.require, 'require'),
    exclude: parseRules(body.exclude, 'exclude'),
  });
}

/** Cloudflare's policy result. `precedence` is the link's when the policy is reached through an app. */
export function policyView(row: AccessPolicyRow, precedence = row.precedence): Record<string, unknown> {
  return {
    id: row.id,
    ...(JSON.parse(row.data) as Record<string, unknown>),
    precedence,
    reusable: row.app_id === null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The engine's view of a stored policy. */
export function policyDef(row: AccessPolicyRow, precedence = row.precedence): AccessPolicyDef {
  const d = JSON.parse(row.data) as Pick<AccessPolicyDef, 'decision' | 'include' | 'require' | 'exclude'>;
  return { id: row.id, decision: d.decision, precedence, include: d.include, require: d.require, exclude: d.exclude };
}
