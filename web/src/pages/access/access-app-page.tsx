import { useState } from 'react';
import { type AccessApp, type AccessPolicy, api, apiKey, useApiMutation, useApiQuery } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, Loaded, PageHeader, Table, useConfirm } from '../../ui';
import { AppLoginWarnings } from './app-login-warnings';
import { AppSettingsDialog } from './app-settings-dialog';
import { decisionWords, policyWords } from './policy-words';
import { useRuleNames } from './rule-names';
import { RuleSetDialog } from './rule-set-dialog';

/** One Access application: its settings and its policies, edited with the rule builder. */
export function AccessAppPage({ params }: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id, app_id: params.id ?? '' };
  const app = useApiQuery('/accounts/{account_id}/access/apps/{app_id}', { path });
  const idps = useApiQuery('/accounts/{account_id}/access/identity_providers', {
    path: { account_id: account.id },
    query: { per_page: 100 },
  });
  const { groupList, tokenList, names } = useRuleNames(account.id);
  const change = useApiMutation([apiKey('/accounts/{account_id}/access/apps', path)]);
  const confirm = useConfirm();
  const [editing, setEditing] = useState<AccessPolicy | 'new' | undefined>(undefined);
  const [settings, setSettings] = useState<AccessApp | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const a = app.data;

  const removeApp = () =>
    confirm.ask({
      title: 'Delete this application?',
      confirmLabel: 'Delete',
      body: <p>{a?.domain ?? 'The hostname'} is no longer protected by Access: visitors reach it without a login.</p>,
      run: async () => {
        await change(() => api.del('/accounts/{account_id}/access/apps/{app_id}', { path }));
        navigate('/access/apps');
      },
    });
  const removePolicy = (p: AccessPolicy) =>
    confirm.ask({
      title: 'Delete this policy?',
      confirmLabel: 'Delete',
      body: <p>Visitors this policy let in may lose access.</p>,
      run: async () => {
        await change(() =>
          api.del('/accounts/{account_id}/access/apps/{app_id}/policies/{policy_id}', {
            path: { ...path, policy_id: p.id },
          }),
        );
        setNotice(`Deleted the policy ${p.name}.`);
      },
    });

  return (
    <>
      <PageHeader
        title={a === undefined ? 'Access application' : (a.name ?? a.domain)}
        back={<Link to="/access/apps">← Applications</Link>}
        description={
          a === undefined ? undefined : (
            <>
              Protects <code>{a.domain}</code>. Audience tag <code>{a.aud}</code>.
            </>
          )
        }
        primary={{ label: 'Add a policy', onClick: () => setEditing('new'), disabled: a === undefined }}
        actions={
          <>
            <Button onClick={() => setSettings(a)} disabled={a === undefined}>
              Edit application
            </Button>
            <Button variant="danger" onClick={removeApp} disabled={a === undefined}>
              Delete application
            </Button>
          </>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <AppLoginWarnings accountId={account.id} app={a} />
      <Loaded query={app} loading={null}>
        {(loaded) => (
          <Table
            caption="Policies, in the order they are checked"
            showCaption
            rows={[...loaded.policies].sort((x, y) => x.precedence - y.precedence)}
            rowKey={(p) => p.id}
            empty={<p>No policy: nobody can reach {loaded.domain} until you add one.</p>}
            columns={[
              { header: 'Order', cell: (p) => p.precedence, className: 'num' },
              { header: 'Policy', cell: (p) => p.name },
              { header: 'Action', cell: (p) => decisionWords(p.decision) },
              { header: 'Rules', cell: (p) => policyWords(p, names) },
            ]}
            actions={(p) => [
              { label: 'Edit', name: `Edit ${p.name}`, onClick: () => setEditing(p) },
              { label: 'Delete', name: `Delete ${p.name}`, onClick: () => removePolicy(p) },
            ]}
          />
        )}
      </Loaded>
      <RuleSetDialog
        kind="policy"
        editing={editing}
        newName="Allow my team"
        groups={groupList}
        tokens={tokenList}
        onSave={(body, id) =>
          change(() =>
            id === undefined
              ? api.post('/accounts/{account_id}/access/apps/{app_id}/policies', { path, body })
              : api.put('/accounts/{account_id}/access/apps/{app_id}/policies/{policy_id}', {
                  path: { ...path, policy_id: id },
                  body,
                }),
          )
        }
        onSaved={(name) => setNotice(`Saved the policy ${name}.`)}
        onClose={() => setEditing(undefined)}
      />
      <AppSettingsDialog
        app={settings}
        idps={idps.data ?? []}
        onSave={async (body) => {
          await change(() => api.put('/accounts/{account_id}/access/apps/{app_id}', { path, body }));
          setSettings(undefined);
          setNotice('Saved the application.');
        }}
        onClose={() => setSettings(undefined)}
      />
      {confirm.dialog}
    </>
  );
}
