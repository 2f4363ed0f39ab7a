import type { ReactNode } from 'react';
import { messageOf } from '../api';
import { Alert } from './alert';

/**
 * A query's three states in one place: its error (announced), "Loading…" until the first
 * answer, then `children` with the data (kept, under the error, when a refresh fails).
 */
export function Loaded<T>(props: {
  query: { data: T | undefined; error: unknown };
  children: (data: T) => ReactNode;
  /** Shown until the first answer; default "Loading…". */
  loading?: ReactNode;
}) {
  const { data, error } = props.query;
  const failed = error !== null && error !== undefined;
  return (
    <>
      {failed ? <Alert>{messageOf(error)}</Alert> : null}
      {data !== undefined ? props.children(data) : failed ? null : (props.loading ?? <p>Loading…</p>)}
    </>
  );
}
