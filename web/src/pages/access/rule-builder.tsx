import { type AccessGroup, ApiError, type Rule, type ServiceToken } from '../../api';
import { Button, Field, SelectField } from '../../ui';
import './forms.css';

export type RuleKind =
  | 'everyone'
  | 'email'
  | 'email_domain'
  | 'ip'
  | 'group'
  | 'service_token'
  | 'any_valid_service_token'
  | 'certificate'
  | 'common_name';
export type Section = 'include' | 'require' | 'exclude';

/** One editable rule line: `value` is the e-mail, domain, CIDR, group id or service token id. */
export interface RuleLine {
  key: number;
  section: Section;
  kind: RuleKind;
  value: string;
}

const KINDS: readonly (readonly [RuleKind, string])[] = [
  ['email', 'E-mail'],
  ['email_domain', 'E-mail domain'],
  ['everyone', 'Everyone'],
  ['ip', 'IP range'],
  ['group', 'Access group'],
  ['service_token', 'Service token'],
  ['any_valid_service_token', 'Any valid service token'],
  ['certificate', 'Valid client certificate (mTLS)'],
  ['common_name', 'Client certificate common name'],
];
const SECTIONS: readonly (readonly [Section, string])[] = [
  ['include', 'Include (any of)'],
  ['require', 'Require (all of)'],
  ['exclude', 'Exclude (none of)'],
];
const VALUE_LABEL: Partial<Record<RuleKind, string>> = {
  email: 'E-mail address',
  email_domain: 'Domain',
  ip: 'IP or CIDR',
  common_name: 'Common name',
};

let nextKey = 1;
export function newLine(section: Section = 'include', kind: RuleKind = 'email', value = ''): RuleLine {
  return { key: nextKey++, section, kind, value };
}

function ruleOf(l: RuleLine): Rule {
  switch (l.kind) {
    case 'everyone':
      return { everyone: {} };
    case 'any_valid_service_token':
      return { any_valid_service_token: {} };
    case 'email':
      return { email: { email: l.value.trim() } };
    case 'email_domain':
      return { email_domain: { domain: l.value.trim().replace(/^@/, '') } };
    case 'ip':
      return { ip: { ip: l.value.trim() } };
    case 'group':
      return { group: { id: l.value } };
    case 'service_token':
      return { service_token: { token_id: l.value } };
    case 'certificate':
      return { certificate: {} };
    case 'common_name':
      return { common_name: { common_name: l.value.trim() } };
  }
}

/** The API's include/require/exclude lists from the lines. */
export function rulesOf(lines: readonly RuleLine[]): {
  include: Rule[];
  require: Rule[];
  exclude: Rule[];
} {
  const pick = (s: Section) => lines.filter((l) => l.section === s).map(ruleOf);
  return {
    include: pick('include'),
    require: pick('require'),
    exclude: pick('exclude'),
  };
}

/** Lines from stored rules (kinds the builder does not offer are kept as they are, read-only). */
export function linesOf(p: { include: Rule[]; require?: Rule[]; exclude?: Rule[] }): RuleLine[] {
  const out: RuleLine[] = [];
  for (const section of ['include', 'require', 'exclude'] as const) {
    for (const r of p[section] ?? []) {
      const [kind, v] = Object.entries(r)[0] ?? ['everyone', {}];
      const value = v.email ?? v.domain ?? v.ip ?? v.id ?? v.token_id ?? v.common_name ?? '';
      if (KINDS.some(([k]) => k === kind)) out.push(newLine(section, kind as RuleKind, value));
    }
  }
  return out;
}

/** The include / require / exclude editor: one line per rule. */
export function RuleBuilder(props: {
  lines: readonly RuleLine[];
  onChange: (lines: RuleLine[]) => void;
  groups: readonly AccessGroup[];
  tokens: readonly ServiceToken[];
  error?: string | undefined;
}) {
  const update = (key: number, patch: Partial<RuleLine>) =>
    props.onChange(props.lines.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  return (
    <fieldset className="field rule-builder">
      <legend>Rules</legend>
      {props.lines.map((l, i) => {
        const n = i + 1;
        return (
          <div className="form-row" key={l.key}>
            <SelectField
              label={`Rule ${n}: list`}
              value={l.section}
              onChange={(e) => update(l.key, { section: e.target.value as Section })}
              options={SECTIONS}
            />
            <SelectField
              label={`Rule ${n}: selector`}
              value={l.kind}
              onChange={(e) => update(l.key, { kind: e.target.value as RuleKind, value: '' })}
              options={KINDS}
            />
            {l.kind === 'group' ? (
              <SelectField
                label={`Rule ${n}: group`}
                value={l.value}
                onChange={(e) => update(l.key, { value: e.target.value })}
                options={[['', 'Pick a group'], ...props.groups.map((g) => [g.id, g.name] as const)]}
              />
            ) : l.kind === 'service_token' ? (
              <SelectField
                label={`Rule ${n}: service token`}
                value={l.value}
                onChange={(e) => update(l.key, { value: e.target.value })}
                options={[['', 'Pick a token'], ...props.tokens.map((t) => [t.id, t.name] as const)]}
              />
            ) : VALUE_LABEL[l.kind] === undefined ? null : (
              <Field
                label={`Rule ${n}: ${VALUE_LABEL[l.kind] ?? ''}`}
                value={l.value}
                onChange={(e) => update(l.key, { value: e.target.value })}
                autoComplete="off"
              />
            )}
            <div className="field">
              <span aria-hidden="true">&nbsp;</span>
              <Button
                onClick={() => props.onChange(props.lines.filter((x) => x.key !== l.key))}
                aria-label={`Remove rule ${n}`}
              >
                Remove
              </Button>
            </div>
          </div>
        );
      })}
      <Button onClick={() => props.onChange([...props.lines, newLine()])}>Add a rule</Button>
      {props.error === undefined ? null : <p className="field-error">{props.error}</p>}
    </fieldset>
  );
}

/** The server's message about a rule (its pointer is /include/N, /require/N or /exclude/N), if that is what failed. */
export function ruleError(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  return err.forField('include') ?? err.forField('require') ?? err.forField('exclude');
}
