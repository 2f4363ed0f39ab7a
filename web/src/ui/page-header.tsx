import { type ReactNode, useEffect } from 'react';
import { Button } from './button';

/** The page's main action: a primary button. */
export interface PrimaryAction {
  label: string;
  onClick: () => void;
  disabled?: boolean;
}

/** The page's h1 (and document title), a line of description, and its main actions. */
export function PageHeader(props: {
  title: string;
  description?: ReactNode;
  primary?: PrimaryAction;
  actions?: ReactNode;
  back?: ReactNode;
}) {
  const { primary } = props;
  useEffect(() => {
    document.title = `${props.title} · warren`;
  }, [props.title]);
  return (
    <header className="page-header">
      {props.back === undefined ? null : <div className="page-back">{props.back}</div>}
      <div className="page-header-row">
        <h1>{props.title}</h1>
        {primary === undefined && props.actions === undefined ? null : (
          <div className="page-actions">
            {primary === undefined ? null : (
              <Button variant="primary" onClick={primary.onClick} disabled={primary.disabled}>
                {primary.label}
              </Button>
            )}
            {props.actions}
          </div>
        )}
      </div>
      {props.description === undefined ? null : <p className="page-description">{props.description}</p>}
    </header>
  );
}
