import { type AccessOrganization, ApiError, useApiQuery } from '../../api';

/**
 * The account's Access organization: `org` once loaded, `missing` when the account has none yet
 * (the API answers WARREN_ACCESS_NO_ORGANIZATION), `error` for any other failure.
 */
export function useOrganization(accountId: string): {
  org: AccessOrganization | undefined;
  missing: boolean;
  loading: boolean;
  error: unknown;
} {
  const q = useApiQuery('/accounts/{account_id}/access/organizations', { path: { account_id: accountId } });
  const missing = q.error instanceof ApiError && q.error.has('WARREN_ACCESS_NO_ORGANIZATION');
  return { org: q.data, missing, loading: q.isPending, error: missing ? null : q.error };
}
