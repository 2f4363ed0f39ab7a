import { useMemo, useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, Dialog, Field, PageHeader, Table } from '../../ui';
import { useApi } from '../../use-api';
import type { AccessGroup, ServiceToken } from './access-types';
import { linesOf, newLine, RuleBuilder, type RuleLine, ruleError, rulesOf, ruleWords } from './rule-builder';

/** Access groups: named rule sets policies refer to (`group` rules). */
export function AccessGroupsPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}/access`;
  const groups = useApi<AccessGroup[]>(`${base}/groups?per_page=100`);
  const tokens = useApi<ServiceToken[]>(`${base}/service_tokens?per_page=100`);
  const names = useMemo(
    () => new Map([...(groups.data ?? []), ...(tokens.data ?? [])].map((x) => [x.id, x.name] as const)),
    [groups.data, tokens.data],
  );
  const [editing, setEditing] = useState<AccessGroup | 'new' | undefined>(undefined);
  const [name, setName] = useState('');
  const [lines, setLines] = useState<RuleLine[]>([]);
  const [rulesError, setRulesError] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<AccessGroup | undefined>(undefined);

  const open = (g: AccessGroup | 'new') => {
    setRulesError(undefined);
    setName(g === 'new' ? '' : g.name);
    setLines(g === 'new' ? [newLine('include', 'email_domain')] : linesOf(g));
    setEditing(g);
  };
  const save = async () => {
    setRulesError(undefined);
    const body = { name: name.trim(), ...rulesOf(lines) };
    try {
      if (editing === 'new') await api.post(`${base}/groups`, body);
      else if (editing !== undefined) await api.put(`${base}/groups/${editing.id}`, body);
      setEditing(undefined);
      groups.reload();
    } catch (err) {
      if (ruleError(err) !== undefined) setRulesError(ruleError(err));
      else throw err;
    }
  };

  return (
    <>
      <PageHeader
        title="Access groups"
        description="Sets of people or services, reused by the policies of your applications."
        actions={
          <Button variant="primary" onClick={() => open('new')}>
            Add a group
          </Button>
        }
      />
      {groups.error === undefined ? null : <Alert>{messageOf(groups.error)}</Alert>}
      {groups.data === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Access groups"
          rows={groups.data}
          rowKey={(g) => g.id}
          empty={<p>No group yet.</p>}
          columns={[
            { header: 'Name', cell: (g) => g.name },
            {
              header: 'Members',
              cell: (g) => g.include.map((r) => ruleWords(r, names)).join(' or '),
            },
            {
              header: 'Actions',
              cell: (g) => (
                <>
                  <Button variant="link" onClick={() => open(g)} aria-label={`Edit ${g.name}`}>
                    Edit
                  </Button>{' '}
                  <Button variant="link" onClick={() => setDeleting(g)} aria-label={`Delete ${g.name}`}>
                    Delete
                  </Button>
                </>
              ),
            },
          ]}
        />
      )}
      <Dialog
        open={editing !== undefined}
        title={editing === 'new' ? 'Add a group' : 'Edit the group'}
        submitLabel="Save group"
        onSubmit={save}
        onClose={() => setEditing(undefined)}
      >
        <Field label="Group name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <RuleBuilder
          lines={lines}
          onChange={setLines}
          groups={(groups.data ?? []).filter((g) => editing === 'new' || g.id !== editing?.id)}
          tokens={tokens.data ?? []}
          error={rulesError}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this group?"
        confirmLabel="Delete"
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api.del(`${base}/groups/${deleting.id}`);
          groups.reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>Policies that name {deleting?.name} stop matching its members.</p>
      </ConfirmDialog>
    </>
  );
}
