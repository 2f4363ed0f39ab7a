import { MutationCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError } from './api-error';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: {
      /** The resources a successful change makes stale: every query under each key is fetched again. */
      invalidates?: readonly QueryKey[];
    };
  }
}

/** A query that failed without an answer, or with a 5xx, is tried this many more times (TanStack's backoff: 1 s, 2 s). */
export const QUERY_RETRIES = 2;

/**
 * The dashboard's cache of server state. A 4xx answer is final (asking again cannot change it);
 * mutations are never retried (a POST may have been applied). After a mutation succeeds, the
 * resources in its `meta.invalidates` are fetched again — in the background, as a page's own
 * `reload()` did: the dialog closes at once and the table follows.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, err) => failures < QUERY_RETRIES && !(err instanceof ApiError && err.status < 500),
      },
      // A finished mutation leaves the cache at once (useApiMutation resets it when it is done).
      mutations: { retry: false, gcTime: 0 },
    },
    mutationCache: new MutationCache({
      onSuccess: (_data, _variables, _context, mutation) => {
        for (const queryKey of mutation.meta?.invalidates ?? []) void client.invalidateQueries({ queryKey });
      },
    }),
  });
  return client;
}
