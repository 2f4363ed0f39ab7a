import { useState } from 'react';
import { api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, CopyButton, Dialog, Field, PageHeader, SelectField, Table } from '../../ui';
import { useApi } from '../../use-api';
import type { ServiceToken } from './access-types';

/** The pair a service sends; the secret is only in the create or rotate answer. */
interface Issued {
  name: string;
  client_id: string;
  client_secret: string;
}

/** Access service tokens: CF-Access-Client-Id / CF-Access-Client-Secret pairs for machines. */
export function ServiceTokensPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}/access/service_tokens`;
  const tokens = useApi<ServiceToken[]>(`${base}?per_page=100`);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [duration, setDuration] = useState('8760h');
  const [issued, setIssued] = useState<Issued | undefined>(undefined);
  const [rotating, setRotating] = useState<ServiceToken | undefined>(undefined);
  const [deleting, setDeleting] = useState<ServiceToken | undefined>(undefined);

  const headers =
    issued === undefined
      ? ''
      : `CF-Access-Client-Id: ${issued.client_id}\nCF-Access-Client-Secret: ${issued.client_secret}`;
  return (
    <>
      <PageHeader
        title="Service tokens"
        description="Credentials for scripts and services to pass Access policies that name them."
        actions={
          <Button
            variant="primary"
            onClick={() => {
              setName('');
              setCreating(true);
            }}
          >
            Create a service token
          </Button>
        }
      />
      {issued === undefined ? null : (
        <section className="card" aria-labelledby="issued-token">
          <h2 id="issued-token">Service token {issued.name}</h2>
          <Alert kind="info">Copy the secret now: this is the only time it is shown.</Alert>
          <div className="secret-box">
            <pre data-secret="shown-once">{headers}</pre>
            <CopyButton text={headers} />
          </div>
          <Button onClick={() => setIssued(undefined)}>Done</Button>
        </section>
      )}
      {tokens.error === undefined ? null : <Alert>{messageOf(tokens.error)}</Alert>}
      {tokens.data === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Service tokens"
          rows={tokens.data}
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
            {
              header: 'Actions',
              cell: (t) => (
                <>
                  <Button variant="link" onClick={() => setRotating(t)} aria-label={`Rotate secret of ${t.name}`}>
                    Rotate secret
                  </Button>{' '}
                  <Button variant="link" onClick={() => setDeleting(t)} aria-label={`Delete ${t.name}`}>
                    Delete
                  </Button>
                </>
              ),
            },
          ]}
        />
      )}
      <Dialog
        open={creating}
        title="Create a service token"
        submitLabel="Create"
        onSubmit={async () => {
          const t = await api.post<ServiceToken & { client_secret: string }>(base, { name: name.trim(), duration });
          setIssued({
            name: t.name,
            client_id: t.client_id,
            client_secret: t.client_secret,
          });
          setCreating(false);
          tokens.reload();
        }}
        onClose={() => setCreating(false)}
      >
        <Field label="Name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <SelectField
          label="Duration"
          value={duration}
          onChange={(e) => setDuration(e.target.value)}
          options={[
            ['8760h', '1 year'],
            ['17520h', '2 years'],
            ['720h', '30 days'],
            ['forever', 'Non-expiring'],
          ]}
        />
      </Dialog>
      <ConfirmDialog
        open={rotating !== undefined}
        title="Rotate this secret?"
        confirmLabel="Rotate"
        onConfirm={async () => {
          if (rotating === undefined) return;
          const t = await api.post<ServiceToken & { client_secret: string }>(`${base}/${rotating.id}/rotate`, {});
          setIssued({
            name: t.name,
            client_id: t.client_id,
            client_secret: t.client_secret,
          });
          tokens.reload();
        }}
        onClose={() => setRotating(undefined)}
      >
        <p>A new secret is issued; the current one keeps working for 24 hours so you can switch.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this service token?"
        confirmLabel="Delete"
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api.del(`${base}/${deleting.id}`);
          tokens.reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>Services using {deleting?.name} are refused at once.</p>
      </ConfirmDialog>
    </>
  );
}
