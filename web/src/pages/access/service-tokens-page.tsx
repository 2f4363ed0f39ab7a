import { useState } from 'react';
import { api, apiKey, type ServiceToken, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Dialog, Field, PageHeader, QueryTable, SelectField, ShownOnce, useConfirm } from '../../ui';

/** A token with its secret, as only the create and rotate answers carry it. */
type Issued = ServiceToken & { client_secret: string };

const DURATIONS: readonly (readonly [string, string])[] = [
  ['8760h', '1 year'],
  ['17520h', '2 years'],
  ['720h', '30 days'],
  ['forever', 'Non-expiring'],
];

/** Access service tokens: CF-Access-Client-Id / CF-Access-Client-Secret pairs for machines. */
export function ServiceTokensPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const tokens = useApiQuery('/accounts/{account_id}/access/service_tokens', { path, query: { per_page: 100 } });
  const change = useApiMutation([apiKey('/accounts/{account_id}/access/service_tokens', path)]);
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [duration, setDuration] = useState('8760h');
  const [issued, setIssued] = useState<Issued | undefined>(undefined);

  const remove = (t: ServiceToken) =>
    confirm.ask({
      title: 'Delete this service token?',
      confirmLabel: 'Delete',
      body: <p>Services using {t.name} are refused at once.</p>,
      run: () =>
        change(() => api.del('/accounts/{account_id}/access/service_tokens/{id}', { path: { ...path, id: t.id } })),
    });
  const rotate = (t: ServiceToken) =>
    confirm.ask({
      title: 'Rotate this secret?',
      confirmLabel: 'Rotate',
      body: <p>A new secret is issued; the current one keeps working for 24 hours so you can switch.</p>,
      run: async () => {
        const call = { path: { ...path, id: t.id }, body: {} };
        setIssued(await change(() => api.post('/accounts/{account_id}/access/service_tokens/{id}/rotate', call)));
      },
    });

  return (
    <>
      <PageHeader
        title="Service tokens"
        description="Credentials for scripts and services to pass Access policies that name them."
        primary={{
          label: 'Create a service token',
          onClick: () => {
            setName('');
            setCreating(true);
          },
        }}
      />
      {issued === undefined ? null : (
        <ShownOnce
          title={`Service token ${issued.name}`}
          notice="Copy the secret now: this is the only time it is shown."
          values={[
            {
              kind: 'shown-once',
              value: `CF-Access-Client-Id: ${issued.client_id}\nCF-Access-Client-Secret: ${issued.client_secret}`,
            },
          ]}
          onDone={() => setIssued(undefined)}
        />
      )}
      <QueryTable
        query={tokens}
        caption="Service tokens"
        rowKey={(t) => t.id}
        empty={<p>No service token yet.</p>}
        columns={[
          { header: 'Name', cell: (t) => t.name },
          { header: 'Client ID', cell: (t) => <code>{t.client_id}</code> },
          {
            header: 'Expires',
            cell: (t) =>
              t.expires_at === null ? (
                'Never'
              ) : (
                <time dateTime={t.expires_at}>{new Date(t.expires_at).toLocaleDateString()}</time>
              ),
          },
        ]}
        actions={(t) => [
          { label: 'Rotate secret', name: `Rotate secret of ${t.name}`, onClick: () => rotate(t) },
          { label: 'Delete', name: `Delete ${t.name}`, onClick: () => remove(t) },
        ]}
      />
      <Dialog
        open={creating}
        title="Create a service token"
        submitLabel="Create"
        onSubmit={async () => {
          const body = { name: name.trim(), duration };
          setIssued(await change(() => api.post('/accounts/{account_id}/access/service_tokens', { path, body })));
          setCreating(false);
        }}
        onClose={() => setCreating(false)}
      >
        <Field label="Name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <SelectField
          label="Duration"
          value={duration}
          onChange={(e) => setDuration(e.target.value)}
          options={DURATIONS}
        />
      </Dialog>
      {confirm.dialog}
    </>
  );
}
