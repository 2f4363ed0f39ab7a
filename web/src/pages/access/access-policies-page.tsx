import { useState } from 'react';
import { type AccessPolicy, api, apiKey, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, PageHeader, QueryTable, useConfirm } from '../../ui';
import { decisionWords, policyWords } from './policy-words';
import { useRuleNames } from './rule-names';
import { RuleSetDialog } from './rule-set-dialog';

/** Reusable policies: written once, attached to any number of applications by id. */
export function AccessPoliciesPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const policies = useApiQuery('/accounts/{account_id}/access/policies', { path, query: { per_page: 100 } });
  const { groupList, tokenList, names } = useRuleNames(account.id);
  // Apps list the reusable policies they use: a change refreshes them too.
  const change = useApiMutation([
    apiKey('/accounts/{account_id}/access/policies', path),
    apiKey('/accounts/{account_id}/access/apps', path),
  ]);
  const confirm = useConfirm();
  const [editing, setEditing] = useState<AccessPolicy | 'new' | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  return (
    <>
      <PageHeader
        title="Access policies"
        description="Reusable policies: one rule set, attached by id to the applications that share it."
        primary={{ label: 'Add a policy', onClick: () => setEditing('new') }}
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <QueryTable
        query={policies}
        caption="Access policies"
        rowKey={(p) => p.id}
        empty={<p>No reusable policy yet.</p>}
        columns={[
          { header: 'Name', cell: (p) => p.name },
          { header: 'Action', cell: (p) => decisionWords(p.decision) },
          { header: 'Rules', cell: (p) => policyWords(p, names) },
        ]}
        actions={(p) => [
          { label: 'Edit', name: `Edit ${p.name}`, onClick: () => setEditing(p) },
          {
            label: 'Delete',
            name: `Delete ${p.name}`,
            onClick: () =>
              confirm.ask({
                title: 'Delete this policy?',
                confirmLabel: 'Delete',
                body: <p>Applications that use {p.name} no longer get its rules.</p>,
                run: async () => {
                  await change(() =>
                    api.del('/accounts/{account_id}/access/policies/{id}', { path: { ...path, id: p.id } }),
                  );
                  setNotice(`Deleted the policy ${p.name}.`);
                },
              }),
          },
        ]}
      />
      <RuleSetDialog
        kind="policy"
        editing={editing}
        newName=""
        groups={groupList}
        tokens={tokenList}
        onSave={(body, id) =>
          change(() =>
            id === undefined
              ? api.post('/accounts/{account_id}/access/policies', { path, body })
              : api.put('/accounts/{account_id}/access/policies/{id}', { path: { ...path, id }, body }),
          )
        }
        onSaved={(name) => setNotice(`Saved the policy ${name}.`)}
        onClose={() => setEditing(undefined)}
      />
      {confirm.dialog}
    </>
  );
}
