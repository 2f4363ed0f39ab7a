import { useMemo, useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, Dialog, Field, PageHeader, SelectField, Table } from '../../ui';
import { useApi } from '../../use-api';
import { DECISIONS } from './access-app-page';
import type { AccessGroup, AccessPolicy, ServiceToken } from './access-types';
import { linesOf, newLine, policyWords, RuleBuilder, type RuleLine, ruleError, rulesOf } from './rule-builder';

/** Reusable policies: written once, attached to any number of applications by id. */
export function AccessPoliciesPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}/access`;
  const policies = useApi<AccessPolicy[]>(`${base}/policies?per_page=100`);
  const groups = useApi<AccessGroup[]>(`${base}/groups?per_page=100`);
  const tokens = useApi<ServiceToken[]>(`${base}/service_tokens?per_page=100`);
  const names = useMemo(
    () => new Map([...(groups.data ?? []), ...(tokens.data ?? [])].map((x) => [x.id, x.name] as const)),
    [groups.data, tokens.data],
  );
  const [editing, setEditing] = useState<AccessPolicy | 'new' | undefined>(undefined);
  const [name, setName] = useState('');
  const [decision, setDecision] = useState<AccessPolicy['decision']>('allow');
  const [lines, setLines] = useState<RuleLine[]>([]);
  const [rulesError, setRulesError] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<AccessPolicy | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const open = (p: AccessPolicy | 'new') => {
    setRulesError(undefined);
    setName(p === 'new' ? '' : p.name);
    setDecision(p === 'new' ? 'allow' : p.decision);
    setLines(p === 'new' ? [newLine('include', 'email_domain')] : linesOf(p));
    setEditing(p);
  };
  const save = async () => {
    setRulesError(undefined);
    const body = { name: name.trim(), decision, ...rulesOf(lines) };
    try {
      if (editing === 'new') await api.post(`${base}/policies`, body);
      else if (editing !== undefined) await api.put(`${base}/policies/${editing.id}`, body);
      setNotice(`Saved the policy ${body.name}.`);
      setEditing(undefined);
      policies.reload();
    } catch (err) {
      if (ruleError(err) !== undefined) setRulesError(ruleError(err));
      else throw err;
    }
  };
  return (
    <>
      <PageHeader
        title="Access policies"
        description="Reusable policies: one rule set, attached by id to the applications that share it."
        actions={
          <Button variant="primary" onClick={() => open('new')}>
            Add a policy
          </Button>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {policies.error === undefined ? null : <Alert>{messageOf(policies.error)}</Alert>}
      {policies.data === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Access policies"
          rows={policies.data}
          rowKey={(p) => p.id}
          empty={<p>No reusable policy yet.</p>}
          columns={[
            { header: 'Name', cell: (p) => p.name },
            { header: 'Action', cell: (p) => DECISIONS.find(([d]) => d === p.decision)?.[1] ?? p.decision },
            { header: 'Rules', cell: (p) => policyWords(p, names) },
            {
              header: 'Actions',
              cell: (p) => (
                <>
                  <Button variant="link" onClick={() => open(p)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </Button>{' '}
                  <Button variant="link" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
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
        title={editing === 'new' ? 'Add a policy' : 'Edit the policy'}
        submitLabel="Save policy"
        onSubmit={save}
        onClose={() => setEditing(undefined)}
      >
        <Field label="Policy name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <SelectField
          label="Action"
          value={decision}
          onChange={(e) => setDecision(e.target.value as AccessPolicy['decision'])}
          options={DECISIONS}
        />
        <RuleBuilder
          lines={lines}
          onChange={setLines}
          groups={groups.data ?? []}
          tokens={tokens.data ?? []}
          error={rulesError}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this policy?"
        confirmLabel="Delete"
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api.del(`${base}/policies/${deleting.id}`);
          setNotice(`Deleted the policy ${deleting.name}.`);
          policies.reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>Applications that use {deleting?.name} no longer get its rules.</p>
      </ConfirmDialog>
    </>
  );
}
