import type { ReactNode } from 'react';
import { type RowAction, RowActions } from './row-actions';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Right-aligned numbers, etc. */
  className?: string;
}

export interface TableProps<T> {
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** A last "Actions" column with each row's buttons. */
  actions?: (row: T) => readonly RowAction[];
  empty?: ReactNode;
  showCaption?: boolean;
}

/**
 * A data table with a caption (visually hidden unless `showCaption`), in a region that scrolls
 * sideways on a phone (focusable, so keyboard users can scroll it too).
 */
export function Table<T>(props: TableProps<T>) {
  const { actions } = props;
  const columns: readonly Column<T>[] =
    actions === undefined
      ? props.columns
      : [
          ...props.columns,
          {
            header: 'Actions',
            cell: (row) => <RowActions actions={actions(row)} />,
          },
        ];
  if (props.rows.length === 0 && props.empty !== undefined) return <div className="table-empty">{props.empty}</div>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable)
    <section className="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption className={props.showCaption === true ? undefined : 'visually-hidden'}>{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)}>
              {columns.map((c) => (
                <td key={c.header} className={c.className} data-label={c.header}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
