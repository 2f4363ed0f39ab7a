import { useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, Dialog, Field, PageHeader, SelectField, Table } from '../../ui';
import { useApi } from '../../use-api';
import type { IdentityProvider } from './access-types';

interface KeySettings {
  key_rotation_interval_days: number;
  last_key_rotation_at: string | null;
  days_until_next_rotation: number;
}

const OIDC_FIELDS = ['client_id', 'client_secret', 'auth_url', 'token_url', 'certs_url'] as const;

/** Identity providers (one-time PIN, OIDC) and the Access signing keys (rotate). */
export function AccessIdentityPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}/access`;
  const idps = useApi<IdentityProvider[]>(`${base}/identity_providers?per_page=100`);
  const keys = useApi<KeySettings>(`${base}/keys`);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [type, setType] = useState<'onetimepin' | 'oidc'>('onetimepin');
  const [oidc, setOidc] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<IdentityProvider | undefined>(undefined);
  const [rotating, setRotating] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  return (
    <>
      <PageHeader
        title="Login methods and keys"
        description="How people prove who they are to Access, and the keys Access signs its tokens with."
        actions={
          <Button
            variant="primary"
            onClick={() => {
              setName('');
              setOidc({});
              setAdding(true);
            }}
          >
            Add a login method
          </Button>
        }
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {idps.error === undefined ? null : <Alert>{messageOf(idps.error)}</Alert>}
      <h2>Login methods</h2>
      {idps.data === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Identity providers"
          rows={idps.data}
          rowKey={(i) => i.id}
          empty={<p>No login method yet: add one-time PIN to let people log in with a code sent by e-mail.</p>}
          columns={[
            { header: 'Name', cell: (i) => i.name },
            {
              header: 'Type',
              cell: (i) => (i.type === 'onetimepin' ? 'One-time PIN' : i.type === 'oidc' ? 'OpenID Connect' : i.type),
            },
            {
              header: 'Actions',
              cell: (i) => (
                <Button variant="link" onClick={() => setDeleting(i)} aria-label={`Remove ${i.name}`}>
                  Remove
                </Button>
              ),
            },
          ]}
        />
      )}
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Signing keys</h2>
        {keys.error === undefined ? null : <Alert>{messageOf(keys.error)}</Alert>}
        {keys.data === undefined ? (
          <p>Loading…</p>
        ) : (
          <dl className="facts">
            <dt>Rotated every</dt>
            <dd>{keys.data.key_rotation_interval_days} days</dd>
            <dt>Last rotation</dt>
            <dd>
              {keys.data.last_key_rotation_at === null
                ? 'Never'
                : new Date(keys.data.last_key_rotation_at).toLocaleString()}
            </dd>
            <dt>Next rotation</dt>
            <dd>in {keys.data.days_until_next_rotation} days</dd>
          </dl>
        )}
        <Button onClick={() => setRotating(true)}>Rotate now</Button>
      </section>
      <Dialog
        open={adding}
        title="Add a login method"
        submitLabel="Add"
        onSubmit={async () => {
          const config = type === 'oidc' ? { ...oidc, scopes: ['openid', 'email', 'profile'] } : {};
          await api.post(`${base}/identity_providers`, {
            name: name.trim(),
            type,
            config,
          });
          setAdding(false);
          idps.reload();
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
      <ConfirmDialog
        open={deleting !== undefined}
        title="Remove this login method?"
        confirmLabel="Remove"
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api.del(`${base}/identity_providers/${deleting.id}`);
          idps.reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>People who log in with {deleting?.name} cannot start new sessions.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={rotating}
        title="Rotate the signing keys?"
        confirmLabel="Rotate"
        onConfirm={async () => {
          await api.post(`${base}/keys/rotate`, {});
          setNotice('A new signing key is in use; the previous one still verifies tokens it signed until they expire.');
          keys.reload();
        }}
        onClose={() => setRotating(false)}
      >
        <p>Access starts signing with a new key. Apps that cache the public keys fetch them again.</p>
      </ConfirmDialog>
    </>
  );
}
