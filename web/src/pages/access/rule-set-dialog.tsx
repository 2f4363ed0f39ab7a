import { useEffect, useState } from 'react';
import { type AccessGroup, ApiError, type Rule, type ServiceToken } from '../../api';
import { Dialog, Field, SelectField } from '../../ui';
import { DECISIONS, type Decision } from './policy-words';
import { linesOf, newLine, RuleBuilder, type RuleLine, ruleError, rulesOf } from './rule-builder';

/** A policy or a group as the form edits it: a name, an action (policies only) and rules. */
export interface RuleSet {
  id: string;
  name: string;
  decision?: Decision;
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
}

type Rules = ReturnType<typeof rulesOf>;
/** What the dialog saves: a policy's body (with its action) or a group's (without); `id` undefined: a new one. */
type Saver =
  | { kind: 'policy'; onSave: (body: Rules & { name: string; decision: Decision }, id?: string) => Promise<unknown> }
  | { kind: 'group'; onSave: (body: Rules & { name: string }, id?: string) => Promise<unknown> };

const WORDS = {
  policy: { noun: 'policy', name: 'Policy name' },
  group: { noun: 'group', name: 'Group name' },
} as const;

/**
 * The form of a policy (with its action) or an Access group (without): a name and the rule
 * builder, open while `editing` is set. The server's messages go under the rules (pointer
 * /include/N …) or the name. After a save it says so (`onSaved`) and closes.
 */
export function RuleSetDialog(
  props: Saver & {
    /** What is edited; 'new': a new one, named `newName`, with one "include e-mail domain" rule. */
    editing: RuleSet | 'new' | undefined;
    newName: string;
    groups: readonly AccessGroup[];
    tokens: readonly ServiceToken[];
    onSaved?: (name: string) => void;
    onClose: () => void;
  },
) {
  const [name, setName] = useState('');
  const [decision, setDecision] = useState<Decision>('allow');
  const [lines, setLines] = useState<RuleLine[]>([]);
  const [errors, setErrors] = useState<{ name?: string; rules?: string }>({});
  const { editing, newName } = props;
  const open = editing !== undefined;
  const words = WORDS[props.kind];
  // Filled when the dialog opens, not on every refetch of what it edits (that would undo the typing).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (editing === undefined) return;
    setErrors({});
    setName(editing === 'new' ? newName : editing.name);
    setDecision(editing === 'new' ? 'allow' : (editing.decision ?? 'allow'));
    setLines(editing === 'new' ? [newLine('include', 'email_domain')] : linesOf(editing));
  }, [open]);

  const save = async () => {
    setErrors({});
    const body = { name: name.trim(), ...rulesOf(lines) };
    const id = editing === 'new' ? undefined : editing?.id;
    try {
      if (props.kind === 'policy') await props.onSave({ ...body, decision }, id);
      else await props.onSave(body, id);
    } catch (err) {
      const found = { rules: ruleError(err), name: err instanceof ApiError ? err.forField('name') : undefined };
      if (found.rules === undefined && found.name === undefined) throw err;
      setErrors(found);
      return;
    }
    props.onSaved?.(body.name);
    props.onClose();
  };
  return (
    <Dialog
      open={open}
      title={editing === 'new' ? `Add a ${words.noun}` : `Edit the ${words.noun}`}
      submitLabel={`Save ${words.noun}`}
      onSubmit={save}
      onClose={props.onClose}
    >
      <div className="form-row">
        <Field
          label={words.name}
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          autoComplete="off"
        />
        {props.kind === 'policy' ? (
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
