import { useState } from 'react';
import { ApiError, api, messageOf } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, Dialog, Field, PageHeader, Table } from '../../ui';
import { useApi } from '../../use-api';
import type { AccessApp } from './access-types';

/** The account's Access applications; a new one opens on its page to add policies. */
export function AccessAppsPage(_: PageProps) {
  const { account } = useAccount();
  const base = `/accounts/${encodeURIComponent(account.id)}/access/apps`;
  const apps = useApi<AccessApp[]>(`${base}?per_page=100`);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [domainError, setDomainError] = useState<string | undefined>(undefined);

  const create = async () => {
    setDomainError(undefined);
    try {
      const app = await api.post<AccessApp>(base, {
        name: name.trim(),
        domain: domain.trim(),
        type: 'self_hosted',
      });
      setCreating(false);
      navigate(`/access/apps/${app.id}`);
    } catch (err) {
      // The server's messages about the domain go next to that field.
      if (err instanceof ApiError && /domain/i.test(err.message)) setDomainError(err.message);
      else throw err;
    }
  };

  return (
    <>
      <PageHeader
        title="Access applications"
        description="Hostnames that only people and services your policies allow can reach."
        actions={
          <Button
            variant="primary"
            onClick={() => {
              setName('');
              setDomain('');
              setDomainError(undefined);
              setCreating(true);
            }}
          >
            Add an application
          </Button>
        }
      />
      {apps.error === undefined ? null : <Alert>{messageOf(apps.error)}</Alert>}
      {apps.data === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Access applications"
          rows={apps.data}
          rowKey={(a) => a.id}
          empty={<p>No application yet: add one to put a hostname behind a login.</p>}
          columns={[
            {
              header: 'Name',
              cell: (a) => <Link to={`/access/apps/${a.id}`}>{a.name ?? a.domain}</Link>,
            },
            { header: 'Domain', cell: (a) => <code>{a.domain}</code> },
            {
              header: 'Policies',
              cell: (a) =>
                a.policies.length === 0 ? 'None (nobody gets in)' : a.policies.map((p) => p.name).join(', '),
            },
            { header: 'Session', cell: (a) => a.session_duration ?? '24h' },
          ]}
        />
      )}
      <Dialog
        open={creating}
        title="Add an application"
        submitLabel="Add"
        onSubmit={create}
        onClose={() => setCreating(false)}
      >
        <Field label="Name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <Field
          label="Domain"
          required
          value={domain}
          onChange={(e) => setDomain(e.target.value)}
          hint="A hostname in one of your zones, optionally with a path: app.example.com/admin"
          error={domainError}
          autoComplete="off"
        />
      </Dialog>
    </>
  );
}
