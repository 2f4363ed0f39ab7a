import { useState } from 'react';
import { api, apiKey, useApiMutation, useApiQuery } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Dialog, Field, PageHeader, QueryTable, useTextField } from '../../ui';
import { appDomainError } from './app-domain-error';
import { useOrganization } from './use-organization';

/** The account's Access applications; a new one opens on its page to add policies. */
export function AccessAppsPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const apps = useApiQuery('/accounts/{account_id}/access/apps', { path, query: { per_page: 100 } });
  const change = useApiMutation([
    apiKey('/accounts/{account_id}/access/apps', path),
    // The first app creates a default team domain.
    apiKey('/accounts/{account_id}/access/organizations', path),
  ]);
  const { missing: noTeam } = useOrganization(account.id);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const domain = useTextField();

  const create = async () => {
    domain.setError(undefined);
    try {
      const body = { name: name.trim(), domain: domain.value.trim(), type: 'self_hosted' };
      const app = await change(() => api.post('/accounts/{account_id}/access/apps', { path, body }));
      setCreating(false);
      navigate(`/access/apps/${app.id}`);
    } catch (err) {
      const m = appDomainError(err);
      if (m === undefined) throw err;
      domain.setError(m);
    }
  };

  return (
    <>
      <PageHeader
        title="Access applications"
        description="Hostnames that only people and services your policies allow can reach."
        primary={{
          label: 'Add an application',
          onClick: () => {
            setName('');
            domain.reset();
            setCreating(true);
          },
        }}
      />
      <QueryTable
        query={apps}
        caption="Access applications"
        rowKey={(a) => a.id}
        empty={<p>No application yet: add one to put a hostname behind a login.</p>}
        columns={[
          { header: 'Name', cell: (a) => <Link to={`/access/apps/${a.id}`}>{a.name ?? a.domain}</Link> },
          { header: 'Domain', cell: (a) => <code>{a.domain}</code> },
          {
            header: 'Policies',
            cell: (a) => (a.policies.length === 0 ? 'None (nobody gets in)' : a.policies.map((p) => p.name).join(', ')),
          },
          { header: 'Session', cell: (a) => a.session_duration ?? '24h' },
        ]}
      />
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
          {...domain.props}
          hint="A hostname in one of your zones, optionally with a path: app.example.com/admin"
        />
        {noTeam ? (
          <p className="field-hint">
            This account has no team domain yet: adding this application creates one from the account's name, where
            visitors will log in. You can change it in Access settings.
          </p>
        ) : null}
      </Dialog>
    </>
  );
}
