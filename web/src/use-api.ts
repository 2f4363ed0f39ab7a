import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api';

export interface Loaded<T> {
  data: T | undefined;
  /** The last failure (kept while older data is still shown). */
  error: unknown;
  loading: boolean;
  /** Fetches again now. */
  reload: () => void;
}

/**
 * GETs `path` (undefined: nothing yet) and, with `pollMs`, again every `pollMs` while the page
 * is shown — how lists stay live without a reload. A newer answer never loses to an older one.
 */
export function useApi<T>(path: string | undefined, options: { pollMs?: number } = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(path !== undefined);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  // A new path starts empty (do not show another tunnel's data under this one's title).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the path changes
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-runs the fetch on reload()
  useEffect(() => {
    if (path === undefined) return undefined;
    const ctl = new AbortController();
    const mine = ++seq.current;
    let timer: number | undefined;
    setLoading(true);
    api
      .get<T>(path, ctl.signal)
      .then((d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (mine === seq.current && !ctl.signal.aborted) setError(err);
      })
      .finally(() => {
        if (mine !== seq.current || ctl.signal.aborted) return;
        setLoading(false);
        // The next poll starts after this answer, so a slow server is never asked twice at once.
        if (options.pollMs !== undefined) timer = window.setTimeout(() => setTick((t) => t + 1), options.pollMs);
      });
    return () => {
      ctl.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [path, tick, options.pollMs]);

  return { data, error, loading, reload };
}
