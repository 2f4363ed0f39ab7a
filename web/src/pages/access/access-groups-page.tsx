import { useState } from 'react';
import { type AccessGroup, api, apiKey, useApiMutation } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { PageHeader, QueryTable, useConfirm } from '../../ui';
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
        primary={{ label: 'Add a group', onClick: () => setEditing('new') }}
      />
      <QueryTable
        query={groups}
        caption="Access groups"
        rowKey={(g) => g.id}
        empty={<p>No group yet.</p>}
        columns={[
          { header: 'Name', cell: (g) => g.name },
          { header: 'Members', cell: (g) => g.include.map((r) => ruleWords(r, names)).join(' or ') },
        ]}
        actions={(g) => [
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
                  change(() => api.del('/accounts/{account_id}/access/groups/{id}', { path: { ...path, id: g.id } })),
              }),
          },
        ]}
      />
      <RuleSetDialog
        kind="group"
        editing={editing}
        newName=""
        // A group cannot include itself.
        groups={groupList.filter((g) => editing === 'new' || g.id !== editing?.id)}
        tokens={tokenList}
        onSave={(body, id) =>
          change(() =>
            id === undefined
              ? api.post('/accounts/{account_id}/access/groups', { path, body })
              : api.put('/accounts/{account_id}/access/groups/{id}', { path: { ...path, id }, body }),
          )
        }
        onClose={() => setEditing(undefined)}
      />
      {confirm.dialog}
    </>
  );
}
