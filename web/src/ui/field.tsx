import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from 'react';

interface FieldFrame {
  label: string;
  /** The server's (or the form's) message for this field, shown under it and announced. */
  error?: string | undefined;
  hint?: ReactNode;
}

function Frame(props: FieldFrame & { id: string; children: ReactNode }) {
  return (
    <div className={`field${props.error === undefined ? '' : ' field-invalid'}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint === undefined ? null : (
        <p className="field-hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error === undefined ? null : (
        <p className="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

function describedBy(id: string, f: FieldFrame): string | undefined {
  const ids = [f.hint === undefined ? '' : `${id}-hint`, f.error === undefined ? '' : `${id}-error`].filter(
    (s) => s !== '',
  );
  return ids.length === 0 ? undefined : ids.join(' ');
}

/** A labelled input with its hint and error tied to it (aria-describedby, aria-invalid). */
export function Field({ label, error, hint, id, ...input }: FieldFrame & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <Frame id={fid} label={label} error={error} hint={hint}>
      <input
        id={fid}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={describedBy(fid, { label, error, hint })}
        {...input}
      />
    </Frame>
  );
}

/** A labelled select; `options` are [value, text] pairs. */
export function SelectField({
  label,
  error,
  hint,
  id,
  options,
  ...select
}: FieldFrame & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (readonly [string, string])[] }) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <Frame id={fid} label={label} error={error} hint={hint}>
      <select
        id={fid}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={describedBy(fid, { label, error, hint })}
        {...select}
      >
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Frame>
  );
}
