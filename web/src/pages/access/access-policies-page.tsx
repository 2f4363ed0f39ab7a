import { useState } from 'react';
import { type AccessPolicy, api, apiKey, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, Loaded, PageHeader, RowActions, Table, useConfirm } from '../../ui';
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
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            Add a policy
          </Button>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <Loaded query={policies}>
        {(rows) => (
          <Table
            caption="Access policies"
            rows={rows}
            rowKey={(p) => p.id}
            empty={<p>No reusable policy yet.</p>}
            columns={[
              { header: 'Name', cell: (p) => p.name },
              { header: 'Action', cell: (p) => decisionWords(p.decision) },
              { header: 'Rules', cell: (p) => policyWords(p, names) },
              {
                header: 'Actions',
                cell: (p) => (
                  <RowActions
                    actions={[
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
                ),
              },
            ]}
          />
        )}
      </Loaded>
      <RuleSetDialog
        open={editing !== undefined}
        title={editing === 'new' ? 'Add a policy' : 'Edit the policy'}
        submitLabel="Save policy"
        nameLabel="Policy name"
        editing={editing === 'new' ? undefined : editing}
        newName=""
        withDecision
        groups={groupList}
        tokens={tokenList}
        onSave={async ({ decision = 'allow', ...body }) => {
          const policy = { ...body, decision };
          await change(() =>
            editing === 'new' || editing === undefined
              ? api.post('/accounts/{account_id}/access/policies', { path, body: policy })
              : api.put('/accounts/{account_id}/access/policies/{id}', {
                  path: { ...path, id: editing.id },
                  body: policy,
                }),
          );
          setNotice(`Saved the policy ${body.name}.`);
          setEditing(undefined);
        }}
        onClose={() => setEditing(undefined)}
      />
      {confirm.dialog}
    </>
  );
}
