import { useState } from 'react';
import { ApiError, api, apiKey, useApiMutation, useApiQuery } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Dialog, Field, PageHeader, QueryTable, SelectField, StatusBadge, useTextField } from '../../ui';

/** The account's zones, each linking to its DNS editor, and "Add a site" (full or partial setup). */
export function DnsZonesPage(_: PageProps) {
  const { account } = useAccount();
  const zones = useApiQuery('/zones', { query: { 'account.id': account.id, per_page: 50 } });
  const change = useApiMutation([apiKey('/zones')]);
  const [adding, setAdding] = useState(false);
  const name = useTextField();
  const [type, setType] = useState<'full' | 'partial'>('full');

  const add = async () => {
    name.setError(undefined);
    try {
      const body = { account: { id: account.id }, name: name.value.trim(), type };
      const zone = await change(() => api.post('/zones', { body }));
      setAdding(false);
      // The zone's page shows the steps left: name servers, or the TXT and CNAME lines.
      navigate(`/dns/${zone.id}`);
    } catch (err) {
      // The zone routes check the name themselves (taken, a public suffix, the service domain) without a pointer.
      const m =
        err instanceof ApiError ? err.forField('name', ['WARREN_API_INVALID', 'WARREN_API_CONFLICT']) : undefined;
      if (m === undefined) throw err;
      name.setError(m);
    }
  };

  return (
    <>
      <PageHeader
        title="DNS"
        description="Your sites (zones). Pick one to see and edit its records."
        primary={{
          label: 'Add a site',
          onClick: () => {
            name.reset();
            setType('full');
            setAdding(true);
          },
        }}
      />
      <QueryTable
        query={zones}
        caption="Zones"
        rowKey={(z) => z.id}
        empty={
          <p>
            No site yet. Use <strong>Add a site</strong> above, or the command line:{' '}
            <code>warren zone add example.com</code> (<code>--type partial</code> to keep your DNS provider).
          </p>
        }
        columns={[
          { header: 'Zone', cell: (z) => <Link to={`/dns/${z.id}`}>{z.name}</Link> },
          { header: 'Status', cell: (z) => <StatusBadge status={z.status} /> },
          { header: 'Setup', cell: (z) => (z.type === 'full' ? 'Full (warren serves it)' : 'Partial (CNAME)') },
        ]}
      />
      <Dialog open={adding} title="Add a site" submitLabel="Add site" onSubmit={add} onClose={() => setAdding(false)}>
        <Field label="Domain" required {...name.props} hint="The registered domain, such as example.com" />
        <SelectField
          label="Setup"
          value={type}
          onChange={(e) => setType(e.target.value === 'partial' ? 'partial' : 'full')}
          options={[
            ['full', 'Full: warren answers DNS for the domain (you change its name servers)'],
            ['partial', 'Partial: your DNS provider stays (you add a TXT record and CNAMEs)'],
          ]}
        />
      </Dialog>
    </>
  );
}
