import { useMemo } from 'react';
import { useApiQuery } from '../../api';

/** The account's Access groups and service tokens, which rules name by id, and their names by id. */
export function useRuleNames(accountId: string) {
  const path = { account_id: accountId };
  const groups = useApiQuery('/accounts/{account_id}/access/groups', { path, query: { per_page: 100 } });
  const tokens = useApiQuery('/accounts/{account_id}/access/service_tokens', { path, query: { per_page: 100 } });
  const names = useMemo(
    () => new Map([...(groups.data ?? []), ...(tokens.data ?? [])].map((x) => [x.id, x.name] as const)),
    [groups.data, tokens.data],
  );
  return { groups, groupList: groups.data ?? [], tokenList: tokens.data ?? [], names };
}
