import { useState } from 'react';
import { type AccessGroup, api, apiKey, useApiMutation } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Button, Loaded, PageHeader, RowActions, Table, useConfirm } from '../../ui';
import { ruleWords } from './policy-words';
import { useRuleNames } from './rule-names';
import { RuleSetDialog } from './rule-set-dialog';

/** Access groups: named rule sets policies refer to (`group` rules). */
export function AccessGroupsPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const { groups, groupList, tokenList, names } = useRuleNames(account.id);
  const change = useApiMutation([apiKey('/accounts/{account_id}/access/groups', path)]);
  const confirm = useConfirm();
  const [editing, setEditing] = useState<AccessGroup | 'new' | undefined>(undefined);

  return (
    <>
      <PageHeader
        title="Access groups"
        description="Sets of people or services, reused by the policies of your applications."
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            Add a group
          </Button>
        }
      />
      <Loaded query={groups}>
        {(rows) => (
          <Table
            caption="Access groups"
            rows={rows}
            rowKey={(g) => g.id}
            empty={<p>No group yet.</p>}
            columns={[
              { header: 'Name', cell: (g) => g.name },
              { header: 'Members', cell: (g) => g.include.map((r) => ruleWords(r, names)).join(' or ') },
              {
                header: 'Actions',
                cell: (g) => (
                  <RowActions
                    actions={[
                      { label: 'Edit', name: `Edit ${g.name}`, onClick: () => setEditing(g) },
                      {
                        label: 'Delete',
                        name: `Delete ${g.name}`,
                        onClick: () =>
                          confirm.ask({
                            title: 'Delete this group?',
                            confirmLabel: 'Delete',
                            body: <p>Policies that name {g.name} stop matching its members.</p>,
                            run: () =>
                              change(() =>
                                api.del('/accounts/{account_id}/access/groups/{id}', { path: { ...path, id: g.id } }),
                              ),
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
        title={editing === 'new' ? 'Add a group' : 'Edit the group'}
        submitLabel="Save group"
        nameLabel="Group name"
        editing={editing === 'new' ? undefined : editing}
        newName=""
        withDecision={false}
        // A group cannot include itself.
        groups={groupList.filter((g) => editing === 'new' || g.id !== editing?.id)}
        tokens={tokenList}
        onSave={async (body) => {
          await change(() =>
            editing === 'new' || editing === undefined
              ? api.post('/accounts/{account_id}/access/groups', { path, body })
              : api.put('/accounts/{account_id}/access/groups/{id}', { path: { ...path, id: editing.id }, body }),
          );
          setEditing(undefined);
        }}
        onClose={() => setEditing(undefined)}
      />
      {confirm.dialog}
    </>
  );
}
