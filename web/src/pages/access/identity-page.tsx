import { useState } from 'react';
import { api, apiKey, type IdentityProvider, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, Dialog, Field, Loaded, PageHeader, QueryTable, SelectField, useConfirm } from '../../ui';
import { TeamSettings } from './team-settings';

const OIDC_FIELDS = ['client_id', 'client_secret', 'auth_url', 'token_url', 'certs_url'] as const;

/** Access settings: the team domain, login methods (one-time PIN, OIDC) and the signing keys (rotate). */
export function AccessIdentityPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const idps = useApiQuery('/accounts/{account_id}/access/identity_providers', { path, query: { per_page: 100 } });
  const keys = useApiQuery('/accounts/{account_id}/access/keys', { path });
  const change = useApiMutation([
    apiKey('/accounts/{account_id}/access/identity_providers', path),
    apiKey('/accounts/{account_id}/access/keys', path),
  ]);
  const confirm = useConfirm();
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [type, setType] = useState<'onetimepin' | 'oidc'>('onetimepin');
  const [oidc, setOidc] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const remove = (i: IdentityProvider) =>
    confirm.ask({
      title: 'Remove this login method?',
      confirmLabel: 'Remove',
      body: <p>People who log in with {i.name} cannot start new sessions.</p>,
      run: () =>
        change(() => api.del('/accounts/{account_id}/access/identity_providers/{id}', { path: { ...path, id: i.id } })),
    });
  const rotate = () =>
    confirm.ask({
      title: 'Rotate the signing keys?',
      confirmLabel: 'Rotate',
      body: <p>Access starts signing with a new key. Apps that cache the public keys fetch them again.</p>,
      run: async () => {
        await change(() => api.post('/accounts/{account_id}/access/keys/rotate', { path }));
        setNotice('A new signing key is in use; the previous one still verifies tokens it signed until they expire.');
      },
    });

  return (
    <>
      <PageHeader
        title="Access settings"
        description="Where visitors log in, how people prove who they are to Access, and the keys Access signs its tokens with."
        primary={{
          label: 'Add a login method',
          onClick: () => {
            setName('');
            setOidc({});
            setAdding(true);
          },
        }}
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <TeamSettings />
      <h2>Login methods</h2>
      <QueryTable
        query={idps}
        caption="Identity providers"
        rowKey={(i) => i.id}
        empty={<p>No login method yet: add one-time PIN to let people log in with a code sent by e-mail.</p>}
        columns={[
          { header: 'Name', cell: (i) => i.name },
          {
            header: 'Type',
            cell: (i) => (i.type === 'onetimepin' ? 'One-time PIN' : i.type === 'oidc' ? 'OpenID Connect' : i.type),
          },
        ]}
        actions={(i) => [{ label: 'Remove', name: `Remove ${i.name}`, onClick: () => remove(i) }]}
      />
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Signing keys</h2>
        <Loaded query={keys}>
          {(k) => (
            <dl className="facts">
              <dt>Rotated every</dt>
              <dd>{k.key_rotation_interval_days} days</dd>
              <dt>Last rotation</dt>
              <dd>
                {k.last_key_rotation_at === null
                  ? 'Never rotated: no key yet (Access makes the first one at the first login)'
                  : new Date(k.last_key_rotation_at).toLocaleString()}
              </dd>
              <dt>Next rotation</dt>
              <dd>
                {k.last_key_rotation_at === null
                  ? `${k.key_rotation_interval_days} days after the first key (automatic)`
                  : k.days_until_next_rotation <= 0
                    ? 'due now (automatic)'
                    : `in ${k.days_until_next_rotation} days (automatic)`}
              </dd>
            </dl>
          )}
        </Loaded>
        <Button onClick={rotate}>Rotate now</Button>
      </section>
      <Dialog
        open={adding}
        title="Add a login method"
        submitLabel="Add"
        onSubmit={async () => {
          const config = type === 'oidc' ? { ...oidc, scopes: ['openid', 'email', 'profile'] } : {};
          const body = { name: name.trim(), type, config };
          await change(() => api.post('/accounts/{account_id}/access/identity_providers', { path, body }));
          setAdding(false);
        }}
        onClose={() => setAdding(false)}
      >
        <SelectField
          label="Type"
          value={type}
          onChange={(e) => setType(e.target.value as 'onetimepin' | 'oidc')}
          options={[
            ['onetimepin', 'One-time PIN (code by e-mail)'],
            ['oidc', 'OpenID Connect'],
          ]}
        />
        <Field label="Name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        {type === 'oidc'
          ? OIDC_FIELDS.map((f) => (
              <Field
                key={f}
                label={f.replaceAll('_', ' ')}
                type={f === 'client_secret' ? 'password' : 'text'}
                required
                value={oidc[f] ?? ''}
                onChange={(e) => setOidc({ ...oidc, [f]: e.target.value })}
                autoComplete="off"
              />
            ))
          : null}
      </Dialog>
      {confirm.dialog}
    </>
  );
}
