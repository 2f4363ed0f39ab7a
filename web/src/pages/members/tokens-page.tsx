import { useState } from 'react';
import '../access/forms.css';
import { type ApiToken, api, apiKey, type Body, type PermissionGroup, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Dialog, Field, PageHeader, QueryTable, ShownOnce, StatusBadge, useConfirm } from '../../ui';

const ZONE_SCOPE = 'com.cloudflare.api.account.zone';

/** Your API tokens: create with permissions in the current account, roll, delete; values shown once. */
export function TokensPage(_: PageProps) {
  const { account } = useAccount();
  const tokens = useApiQuery('/user/tokens', { query: { per_page: 100 } });
  const groups = useApiQuery('/user/tokens/permission_groups', {});
  const zones = useApiQuery('/zones', { query: { 'account.id': account.id, per_page: 50 } });
  const change = useApiMutation([apiKey('/user/tokens')]);
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const create = async () => {
    const chosen = (groups.data ?? []).filter((g) => picked.has(g.id));
    if (chosen.length === 0) throw new Error('pick at least one permission');
    const isZone = (g: PermissionGroup) => g.scopes.includes(ZONE_SCOPE);
    const policies: Body<'post', '/user/tokens'>['policies'] = [];
    const accountGroups = chosen.filter((g) => !isZone(g));
    if (accountGroups.length > 0) {
      policies.push({
        effect: 'allow',
        resources: { [`com.cloudflare.api.account.${account.id}`]: '*' },
        permission_groups: accountGroups.map((g) => ({ id: g.id })),
      });
    }
    const zoneGroups = chosen.filter(isZone);
    if (zoneGroups.length > 0) {
      // Zone permissions cover the zones of this account only (never every zone the user can see).
      const resources = Object.fromEntries((zones.data ?? []).map((z) => [`${ZONE_SCOPE}.${z.id}`, '*']));
      if (Object.keys(resources).length === 0) throw new Error('this account has no zone for the zone permissions');
      policies.push({
        effect: 'allow',
        resources,
        permission_groups: zoneGroups.map((g) => ({ id: g.id })),
      });
    }
    const out = await change(() => api.post('/user/tokens', { body: { name: name.trim(), policies } }));
    setCreating(false);
    setSecret({ name: out.name, value: out.value });
  };
  const roll = (t: ApiToken) =>
    confirm.ask({
      title: 'Roll this token?',
      confirmLabel: 'Roll',
      body: (
        <p>
          <strong>{t.name}</strong> gets a new value; the old one stops working at once.
        </p>
      ),
      run: async () => {
        const value = await change(() => api.put('/user/tokens/{token_id}/value', { path: { token_id: t.id } }));
        setSecret({ name: t.name, value });
      },
    });
  const remove = (t: ApiToken) =>
    confirm.ask({
      title: 'Delete this token?',
      confirmLabel: 'Delete',
      body: (
        <p>
          Whatever uses <strong>{t.name}</strong> loses access at once.
        </p>
      ),
      run: async () => {
        await change(() => api.del('/user/tokens/{token_id}', { path: { token_id: t.id } }));
        setNotice(`Deleted ${t.name}.`);
      },
    });

  return (
    <>
      <PageHeader
        title="API tokens"
        description={`Your tokens for the API and SDKs; new ones act in ${account.name}.`}
        primary={{
          label: 'Create a token',
          onClick: () => {
            setName('');
            setPicked(new Set());
            setCreating(true);
          },
        }}
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {secret === undefined ? null : (
        <ShownOnce
          title={`Token ${secret.name}`}
          values={[{ kind: 'shown-once', value: secret.value }]}
          onDone={() => setSecret(undefined)}
        />
      )}
      <QueryTable
        query={tokens}
        caption="API tokens"
        rowKey={(t) => t.id}
        empty={<p>No API token yet.</p>}
        columns={[
          { header: 'Name', cell: (t) => t.name },
          {
            header: 'Permissions',
            cell: (t) => t.policies.flatMap((p) => p.permission_groups.map((g) => g.name)).join(', '),
          },
          {
            header: 'Status',
            cell: (t) => (
              <StatusBadge
                status={t.status === 'active' ? 'active' : t.status === 'expired' ? 'expired' : 'inactive'}
                label={t.status}
              />
            ),
          },
          {
            header: 'Last used',
            cell: (t) => (t.last_used_on === null ? 'Never' : new Date(t.last_used_on).toLocaleString()),
          },
        ]}
        actions={(t) => [
          { label: 'Roll', name: `Roll ${t.name}`, onClick: () => roll(t) },
          { label: 'Delete', name: `Delete ${t.name}`, onClick: () => remove(t) },
        ]}
      />
      <Dialog
        open={creating}
        title="Create an API token"
        submitLabel="Create"
        onSubmit={create}
        onClose={() => setCreating(false)}
      >
        <Field
          label="Name"
          required
          value={name}
          maxLength={120}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
        />
        <fieldset className="field">
          <legend>Permissions</legend>
          {(groups.data ?? []).map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                checked={picked.has(g.id)}
                onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(g.id);
                  else next.delete(g.id);
                  setPicked(next);
                }}
              />{' '}
              {g.name}
              {g.scopes.includes(ZONE_SCOPE) ? ' (zones of this account)' : ''}
            </label>
          ))}
        </fieldset>
      </Dialog>
      {confirm.dialog}
    </>
  );
}
