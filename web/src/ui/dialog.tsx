import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { messageOf } from '../api';
import { Alert } from './alert';
import { Button } from './button';

/**
 * A modal dialog on the native <dialog> (focus moves in and is kept there; Escape closes). The
 * body is a form: `onSubmit` runs on the primary button or Enter, and a throw shows its message.
 */
export function Dialog(props: {
  open: boolean;
  title: string;
  children?: ReactNode;
  submitLabel: string;
  danger?: boolean;
  onSubmit: () => Promise<void> | void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (props.open && !d.open) {
      setError(undefined);
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose} className="dialog">
      <form onSubmit={submit} method="dialog">
        <h2 id={titleId}>{props.title}</h2>
        {error === undefined ? null : <Alert>{error}</Alert>}
        {props.children}
        <div className="dialog-actions">
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant={props.danger === true ? 'danger' : 'primary'} busy={busy}>
            {props.submitLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
