import { useCallback, useEffect, useRef, useState } from 'react';
import { request, withQuery } from './api';

export interface PagedLoad<T> {
  /** The rows of `page`; undefined until the first answer. */
  rows: T[] | undefined;
  total: number;
  pages: number;
  page: number;
  setPage: (page: number) => void;
  error: unknown;
  reload: () => void;
}

/**
 * GETs one page of a Cloudflare list (`page`, `per_page`, `result_info.total_count`), for lists
 * that can outgrow the API's page cap. A newer answer never loses to an older one.
 */
export function usePagedApi<T>(path: string, perPage: number): PagedLoad<T> {
  const [page, setPage] = useState(1);
  const [state, setState] = useState<{ rows: T[]; total: number } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-runs the fetch on reload()
  useEffect(() => {
    const ctl = new AbortController();
    const mine = ++seq.current;
    request<T[]>('GET', withQuery(path, { page, per_page: perPage }), undefined, ctl.signal).then(
      (env) => {
        if (mine !== seq.current) return;
        setState({ rows: env.result, total: env.result_info?.total_count ?? env.result.length });
        setError(undefined);
      },
      (err: unknown) => {
        if (mine === seq.current && !ctl.signal.aborted) setError(err);
      },
    );
    return () => ctl.abort();
  }, [path, perPage, page, tick]);

  const total = state?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / perPage));
  // A removal can empty the last page: step back instead of showing an empty table.
  useEffect(() => {
    if (state !== undefined && page > pages) setPage(pages);
  }, [state, page, pages]);
  return { rows: state?.rows, total, pages, page, setPage, error, reload };
}
