import type { ReactNode } from 'react';
import type { PagedLoad } from '../api';
import { Loaded } from './loaded';
import { Pager } from './pager';
import { Table, type TableProps } from './table';

type QueryTableProps<T> = Omit<TableProps<T>, 'rows'> & {
  query: { data: readonly T[] | undefined; error: unknown };
  /** Shown until the first answer; default "Loading…". */
  loading?: ReactNode;
};

/** A table of a query's rows, with its error and loading states (see Loaded). */
export function QueryTable<T>({ query, loading, ...table }: QueryTableProps<T>) {
  return (
    <Loaded query={query} loading={loading}>
      {(rows) => <Table {...table} rows={rows} />}
    </Loaded>
  );
}

/** A table of one page of a list, with the pager under it. */
export function PagedTable<T>({
  load,
  noun,
  labels,
  ...table
}: Omit<TableProps<T>, 'rows'> & { load: PagedLoad<T>; noun: string; labels?: readonly [string, string] }) {
  return (
    <Loaded query={{ data: load.rows, error: load.error }}>
      {(rows) => (
        <>
          <Table {...table} rows={rows} />
          <Pager
            page={load.page}
            pages={load.pages}
            total={load.total}
            noun={noun}
            onPage={load.setPage}
            {...(labels === undefined ? {} : { labels })}
          />
        </>
      )}
    </Loaded>
  );
}
