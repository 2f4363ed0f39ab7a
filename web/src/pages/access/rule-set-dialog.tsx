import { useEffect, useState } from 'react';
import { type AccessGroup, ApiError, type Rule, type ServiceToken } from '../../api';
import { Dialog, Field, SelectField } from '../../ui';
import { DECISIONS, type Decision } from './policy-words';
import { linesOf, newLine, RuleBuilder, type RuleLine, ruleError, rulesOf } from './rule-builder';

/** A policy or a group as the form edits it: a name, an action (policies only) and rules. */
export interface RuleSet {
  name: string;
  decision?: Decision;
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
}

/**
 * The form of a policy (with its action) or an Access group (without): a name and the rule
 * builder. The server's messages go under the rules (pointer /include/N …) or the name.
 */
export function RuleSetDialog(props: {
  open: boolean;
  title: string;
  submitLabel: string;
  nameLabel: string;
  /** What is edited; undefined: a new one, named `newName`, with one "include e-mail domain" rule. */
  editing: RuleSet | undefined;
  newName: string;
  /** Policies have an action; groups do not. */
  withDecision: boolean;
  groups: readonly AccessGroup[];
  tokens: readonly ServiceToken[];
  onSave: (body: RuleSet & ReturnType<typeof rulesOf>) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [decision, setDecision] = useState<Decision>('allow');
  const [lines, setLines] = useState<RuleLine[]>([]);
  const [errors, setErrors] = useState<{ name?: string; rules?: string }>({});
  const { open, editing, newName } = props;
  // Filled when the dialog opens, not on every refetch of what it edits (that would undo the typing).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (!open) return;
    setErrors({});
    setName(editing?.name ?? newName);
    setDecision(editing?.decision ?? 'allow');
    setLines(editing === undefined ? [newLine('include', 'email_domain')] : linesOf(editing));
  }, [open]);

  const save = async () => {
    setErrors({});
    const body = { name: name.trim(), ...(props.withDecision ? { decision } : {}), ...rulesOf(lines) };
    try {
      await props.onSave(body);
    } catch (err) {
      const found = { rules: ruleError(err), name: err instanceof ApiError ? err.forField('name') : undefined };
      if (found.rules === undefined && found.name === undefined) throw err;
      setErrors(found);
    }
  };
  return (
    <Dialog open={open} title={props.title} submitLabel={props.submitLabel} onSubmit={save} onClose={props.onClose}>
      <div className="form-row">
        <Field
          label={props.nameLabel}
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          autoComplete="off"
        />
        {props.withDecision ? (
          <SelectField
            label="Action"
            value={decision}
            onChange={(e) => setDecision(e.target.value as Decision)}
            options={DECISIONS}
          />
        ) : null}
      </div>
      <RuleBuilder lines={lines} onChange={setLines} groups={props.groups} tokens={props.tokens} error={errors.rules} />
    </Dialog>
  );
}
