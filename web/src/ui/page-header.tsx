import { type ReactNode, useEffect } from 'react';

/** The page's h1 (and document title), a line of description, and its main actions. */
export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode; back?: ReactNode }) {
  useEffect(() => {
    document.title = `${props.title} · warren`;
  }, [props.title]);
  return (
    <header className="page-header">
      {props.back === undefined ? null : <div className="page-back">{props.back}</div>}
      <div className="page-header-row">
        <h1>{props.title}</h1>
        {props.actions === undefined ? null : <div className="page-actions">{props.actions}</div>}
      </div>
      {props.description === undefined ? null : <p className="page-description">{props.description}</p>}
    </header>
  );
}
