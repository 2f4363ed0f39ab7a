import { useState } from 'react';
import { api, apiKey, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { PageHeader } from '../../ui';
import { TokenSection } from './token-section';

/**
 * API tokens: yours (they act as you, within your roles), and the current account's own (they
 * outlive whoever made them). Create with permissions in the current account, roll, delete;
 * values are shown once.
 */
export function TokensPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const tokens = useApiQuery('/user/tokens', { query: { per_page: 100 } });
  const groups = useApiQuery('/user/tokens/permission_groups', {});
  const accountTokens = useApiQuery('/accounts/{account_id}/tokens', { path, query: { per_page: 100 } });
  const accountGroups = useApiQuery('/accounts/{account_id}/tokens/permission_groups', { path });
  const change = useApiMutation([apiKey('/user/tokens')]);
  const changeAccount = useApiMutation([apiKey('/accounts/{account_id}/tokens', path)]);
  const [creating, setCreating] = useState(false);
  const [creatingAccount, setCreatingAccount] = useState(false);

  return (
    <>
      <PageHeader
        title="API tokens"
        description={`Your tokens for the API and SDKs; new ones act in ${account.name}.`}
        primary={{ label: 'Create a token', onClick: () => setCreating(true) }}
      />
      <TokenSection
        noun="token"
        tokens={tokens}
        groups={groups.data ?? []}
        accountId={account.id}
        creating={creating}
        setCreating={setCreating}
        create={(name, policies) => change(() => api.post('/user/tokens', { body: { name, policies } }))}
        roll={(t) => change(() => api.put('/user/tokens/{token_id}/value', { path: { token_id: t.id } }))}
        remove={async (t) => {
          await change(() => api.del('/user/tokens/{token_id}', { path: { token_id: t.id } }));
        }}
      />
      {/* Only members who may manage the account's members see (and may change) its tokens. */}
      {accountTokens.error !== null && accountTokens.data === undefined ? null : (
        <TokenSection
          heading={{
            title: `Account tokens of ${account.name}`,
            description: 'Owned by the account, not by you: they keep working when you leave it.',
          }}
          noun="account token"
          tokens={accountTokens}
          groups={accountGroups.data ?? []}
          accountId={account.id}
          creating={creatingAccount}
          setCreating={setCreatingAccount}
          create={(name, policies) =>
            changeAccount(() => api.post('/accounts/{account_id}/tokens', { path, body: { name, policies } }))
          }
          roll={(t) =>
            changeAccount(() =>
              api.put('/accounts/{account_id}/tokens/{token_id}/value', { path: { ...path, token_id: t.id } }),
            )
          }
          remove={async (t) => {
            await changeAccount(() =>
              api.del('/accounts/{account_id}/tokens/{token_id}', { path: { ...path, token_id: t.id } }),
            );
          }}
        />
      )}
    </>
  );
}
