import { Button } from './button';

export interface RowAction {
  /** The button's text ("Delete"). */
  label: string;
  /** Its accessible name, which says which row ("Delete web"). */
  name: string;
  onClick: () => void;
}

/** The actions of one table row, as link buttons. */
export function RowActions({ actions }: { actions: readonly RowAction[] }) {
  return (
    <span className="row-actions">
      {actions.map((a) => (
        <Button key={a.label} variant="link" aria-label={a.name} onClick={a.onClick}>
          {a.label}
        </Button>
      ))}
    </span>
  );
}
