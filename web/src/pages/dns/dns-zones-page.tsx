import { useApiQuery } from '../../api';
import { Link } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { PageHeader, QueryTable, StatusBadge } from '../../ui';

/** The account's zones; each links to its DNS editor. */
export function DnsZonesPage(_: PageProps) {
  const { account } = useAccount();
  const zones = useApiQuery('/zones', { query: { 'account.id': account.id, per_page: 50 } });
  return (
    <>
      <PageHeader title="DNS" description="Pick a zone to see and edit its records." />
      <QueryTable
        query={zones}
        caption="Zones"
        rowKey={(z) => z.id}
        empty={<p>No zone yet. Add one with the API or `warren admin zone add`.</p>}
        columns={[
          { header: 'Zone', cell: (z) => <Link to={`/dns/${z.id}`}>{z.name}</Link> },
          { header: 'Status', cell: (z) => <StatusBadge status={z.status} /> },
          { header: 'Setup', cell: (z) => (z.type === 'full' ? 'Full (warren serves it)' : 'Partial (CNAME)') },
        ]}
      />
    </>
  );
}
