import { type CertificatePack, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import { Alert, PageHeader, QueryTable, StatusBadge } from '../../ui';
import { useZoneChoice, ZonePicker } from './zone-picker';

const when = (iso: string | null) =>
  iso === null ? '—' : <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;

function Badge({ p }: { p: CertificatePack }) {
  if (p.acme_state === 'issued') return <StatusBadge status="active" label="Issued" />;
  if (p.acme_state === 'pending') return <StatusBadge status="pending" label="Pending" />;
  return <StatusBadge status="failing" label="Failing" />;
}

/** The zone's edge certificates: those ACME issues per name (issued, pending, failing and why) and uploaded ones. */
export function EdgeCertificatesPage(_: PageProps) {
  const choice = useZoneChoice();
  const { zone } = choice;
  const path = { zone_id: zone?.id ?? '' };
  const packs = useApiQuery('/zones/{zone_id}/ssl/certificate_packs', { path }, { enabled: zone !== undefined });
  const failing = packs.data?.filter((p) => p.acme_state === 'failed') ?? [];
  return (
    <>
      <PageHeader
        title="Edge certificates"
        description="Certificates the edge serves to visitors over HTTPS, by name: issued by ACME on demand, renewed before they expire."
      />
      {failing.length === 0 ? null : (
        <Alert>
          {`No certificate yet for ${failing.map((p) => p.hosts.join(', ')).join(', ')}: see the reason below; warren retries on its own.`}
        </Alert>
      )}
      <ZonePicker choice={choice} what="edge certificates" />
      {choice.none ? null : (
        <QueryTable
          query={packs}
          caption={`Edge certificates of ${zone?.name ?? ''}`}
          rowKey={(p) => p.id}
          empty={
            <p>No name of this zone needs a certificate yet: add a tunnel route, a proxied record or an Access app.</p>
          }
          columns={[
            { header: 'Hostname', cell: (p) => p.hosts.join(', ') },
            { header: 'Status', cell: (p) => <Badge p={p} /> },
            {
              header: 'Reason',
              cell: (p) =>
                p.validation_errors.length === 0 ? '—' : p.validation_errors.map((e) => e.message).join('; '),
            },
            { header: 'Next retry', cell: (p) => (p.acme_state === 'failed' ? when(p.next_attempt_at) : '—') },
            {
              header: 'Expires',
              cell: (p) =>
                p.expires_on === null ? (
                  '—'
                ) : (
                  <time dateTime={p.expires_on}>{new Date(p.expires_on).toLocaleDateString()}</time>
                ),
            },
          ]}
        />
      )}
    </>
  );
}
