import { useEffect, useState } from 'react';
import { ApiError } from '../../api';
import { Dialog, Field } from '../../ui';

/**
 * The tunnel name form (create and rename): the server's message about the name (taken, or not
 * a valid name) shows under the field; anything else above the form.
 */
export function TunnelNameDialog(props: {
  open: boolean;
  title: string;
  submitLabel: string;
  initial: string;
  onSave: (name: string) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(props.initial);
  const [error, setError] = useState<string | undefined>(undefined);
  const { open, initial } = props;
  // Filled when the dialog opens (a poll that brings the same tunnel back must not undo the typing).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (!open) return;
    setName(initial);
    setError(undefined);
  }, [open]);
  return (
    <Dialog
      open={props.open}
      title={props.title}
      submitLabel={props.submitLabel}
      onSubmit={async () => {
        setError(undefined);
        try {
          await props.onSave(name);
        } catch (err) {
          const field = err instanceof ApiError ? err.forField('name') : undefined;
          if (field === undefined) throw err;
          setError(field);
        }
      }}
      onClose={props.onClose}
    >
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={error}
        hint="Letters, digits, dots, dashes and underscores, e.g. web-app."
      />
    </Dialog>
  );
}
