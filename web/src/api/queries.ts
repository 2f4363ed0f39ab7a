import { keepPreviousData, type QueryKey, useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { api, type Call, fillPath, type Route, request, urlOf } from './client';
import type { ResultOf } from './results';

/**
 * The cache key of a resource: the segments of its path, so a key is the prefix of everything
 * below it (`['accounts', A, 'cfd_tunnel']` covers the list, each tunnel and its routes), and
 * invalidating a resource refreshes all of that.
 */
export function apiKey<P extends Route<'get'>>(template: P, path?: Call<'get', P>['path']): QueryKey {
  return fillPath(template, path)
    .split('/')
    .filter((s) => s !== '');
}

function queryKeyOf(template: Route<'get'>, call: { path?: object | undefined; query?: object | undefined }): QueryKey {
  const key = apiKey(template, call.path as never);
  return call.query === undefined ? key : [...key, call.query];
}

export interface QueryOptions {
  /** Asked again this often (ms) while the page shows it; a slow answer is never asked twice at once. */
  refetchInterval?: number;
  /** false: not asked (yet). */
  enabled?: boolean;
}

/** GET `template`, cached under its resource key. */
export function useApiQuery<P extends Route<'get'>>(template: P, call: Call<'get', P>, options: QueryOptions = {}) {
  return useQuery({
    queryKey: queryKeyOf(template, call),
    queryFn: ({ signal }) => api.get(template, call, signal),
    ...options,
  });
}

type Row<P extends Route<'get'>> = ResultOf<'get', P> extends readonly (infer R)[] ? R : never;

export interface PagedLoad<T> {
  /** The rows of `page`; undefined until the first answer (the previous page's while the next loads). */
  rows: T[] | undefined;
  total: number;
  pages: number;
  page: number;
  setPage: (page: number) => void;
  error: Error | null;
}

/** One page of a Cloudflare list (`page`, `per_page`, `result_info.total_count`). */
export function useApiPage<P extends Route<'get'>>(
  template: P,
  call: Call<'get', P>,
  perPage: number,
): PagedLoad<Row<P>> {
  const [page, setPage] = useState(1);
  const paged = { ...call, query: { ...call.query, page, per_page: perPage } };
  const q = useQuery({
    queryKey: queryKeyOf(template, paged),
    queryFn: async ({ signal }) => {
      const env = await request<Row<P>[]>('GET', urlOf(template, paged), undefined, signal);
      return { rows: env.result, total: env.result_info?.total_count ?? env.result.length };
    },
    placeholderData: keepPreviousData,
  });
  const total = q.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / perPage));
  // A removal can empty the last page: step back instead of showing an empty table.
  useEffect(() => {
    if (q.data !== undefined && !q.isPlaceholderData && page > pages) setPage(pages);
  }, [q.data, q.isPlaceholderData, page, pages]);
  return { rows: q.data?.rows, total, pages, page, setPage, error: q.error };
}

/**
 * A change to the API: `change(() => api.post(…))` runs the request as a TanStack mutation and,
 * once it succeeds, marks every query under `invalidates` stale (see createQueryClient). The
 * mutation keeps no result once it is handed back (results can be secrets: a new token's value),
 * so the only copy is wherever the page shows it.
 */
export function useApiMutation(invalidates: readonly QueryKey[]): <R>(run: () => Promise<R>) => Promise<R> {
  const { mutateAsync, reset } = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    meta: { invalidates },
  });
  return useCallback(
    async <R>(run: () => Promise<R>): Promise<R> => {
      try {
        return (await mutateAsync(run)) as R;
      } finally {
        reset();
      }
    },
    [mutateAsync, reset],
  );
}
