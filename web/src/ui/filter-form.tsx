import type { ReactNode } from 'react';
import { Button } from './button';

/** A row of filter fields over a list, applied by its button (or Enter). */
export function FilterForm(props: { label: string; submitLabel: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      className="form-row"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
      <div className="field">
        <span aria-hidden="true">&nbsp;</span>
        <Button type="submit">{props.submitLabel}</Button>
      </div>
    </form>
  );
}
