import { useEffect, useState } from 'react';
import { api, messageOf, request, withQuery } from '../../api';
import { Link } from '../../router';
import type { PageProps } from '../../routes';
import { Alert, Button, ConfirmDialog, CopyButton, Field, PageHeader, SelectField, StatusBadge, Table } from '../../ui';
import { useApi } from '../../use-api';
import { type DnsRecord, RECORD_TYPES, ttlText, type Zone } from './dns-types';
import { draftOf, type RecordDraft, RecordForm } from './record-form';

const PER_PAGE = 25;

/** What a partial zone's owner creates at their own DNS provider, for each proxied name. */
function PartialZoneSetup({ zone, records }: { zone: Zone; records: readonly DnsRecord[] }) {
  if (zone.type !== 'partial' || zone.cname_suffix === undefined) return null;
  const names = [...new Set(records.filter((r) => r.proxied).map((r) => r.name))];
  const lines = names.map((n) => `${n}. CNAME ${n}.${zone.cname_suffix}.`);
  return (
    <section className="card" aria-labelledby="partial-setup">
      <h2 id="partial-setup">At your DNS provider</h2>
      <p>
        {zone.name} is a partial zone: your own provider serves it. For each proxied name below, create this CNAME there
        so visitors reach warren.
      </p>
      {zone.status === 'pending' && zone.verification_record !== undefined ? (
        <p>
          First, to prove the zone is yours:{' '}
          <code>{`${zone.verification_record.name}. TXT "${zone.verification_record.content}"`}</code>
        </p>
      ) : null}
      {lines.length === 0 ? (
        <p className="muted">No proxied record yet: add one to see the CNAME to create.</p>
      ) : (
        <div className="secret-box">
          <pre>{lines.join('\n')}</pre>
          <CopyButton text={lines.join('\n')} />
        </div>
      )}
    </section>
  );
}

/** One zone's DNS records: search, paging, add, edit, delete, the proxied toggle. */
export function DnsRecordsPage({ params }: PageProps) {
  const zoneId = params.zone ?? '';
  const zone = useApi<Zone>(`/zones/${encodeURIComponent(zoneId)}`);
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [type, setType] = useState('');
  const [page, setPage] = useState(1);
  const [records, setRecords] = useState<{ rows: DnsRecord[]; total: number; pages: number } | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const [editing, setEditing] = useState<DnsRecord | undefined>(undefined);
  const [formOpen, setFormOpen] = useState(false);
  const [draft, setDraft] = useState<RecordDraft>(draftOf(undefined, ''));
  const [deleting, setDeleting] = useState<DnsRecord | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads after a change
  useEffect(() => {
    const ctl = new AbortController();
    const path = withQuery(`/zones/${encodeURIComponent(zoneId)}/dns_records`, {
      search,
      type,
      page,
      per_page: PER_PAGE,
      order: 'name',
    });
    request<DnsRecord[]>('GET', path, undefined, ctl.signal).then(
      (env) => {
        const total = env.result_info?.total_count ?? env.result.length;
        setRecords({
          rows: env.result,
          total,
          pages: Math.max(1, Math.ceil(total / PER_PAGE)),
        });
        setLoadError(undefined);
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setLoadError(err);
      },
    );
    return () => ctl.abort();
  }, [zoneId, search, type, page, tick]);

  const z = zone.data;
  const reload = () => setTick((t) => t + 1);
  const base = `/zones/${encodeURIComponent(zoneId)}/dns_records`;
  const openForm = (r: DnsRecord | undefined) => {
    setEditing(r);
    setDraft(draftOf(r, z?.name ?? ''));
    setFormOpen(true);
  };
  const toggleProxied = async (r: DnsRecord) => {
    setNotice(undefined);
    try {
      await api.patch(`${base}/${r.id}`, { proxied: !r.proxied });
      setNotice(`${r.name} is ${r.proxied ? 'DNS only' : 'proxied'} now.`);
      reload();
    } catch (err) {
      setNotice(messageOf(err));
    }
  };

  return (
    <>
      <PageHeader
        title={z === undefined ? 'DNS records' : `DNS records of ${z.name}`}
        back={<Link to="/dns">← All zones</Link>}
        description={
          z === undefined ? undefined : (
            <>
              <StatusBadge status={z.status} /> {z.type === 'full' ? 'Full zone' : 'Partial zone'}
              {z.paused ? ', paused (DNS only)' : ''}
              {z.type === 'full' && z.status === 'pending'
                ? `. Set its name servers at the registrar to ${z.name_servers.join(' and ')}.`
                : ''}
            </>
          )
        }
        actions={
          <Button variant="primary" onClick={() => openForm(undefined)} disabled={z === undefined}>
            Add a record
          </Button>
        }
      />
      {zone.error === undefined ? null : <Alert>{messageOf(zone.error)}</Alert>}
      {notice === undefined ? null : <Alert kind="info">{notice}</Alert>}
      {z === undefined ? null : <PartialZoneSetup zone={z} records={records?.rows ?? []} />}
      <form
        className="form-row"
        aria-label="Search the records"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setSearch(typed.trim());
        }}
      >
        <Field
          label="Search"
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          hint="In names, contents and comments"
        />
        <SelectField
          label="Type"
          value={type}
          onChange={(e) => {
            setPage(1);
            setType(e.target.value);
          }}
          options={[['', 'All types'], ...RECORD_TYPES.map((t) => [t, t] as const)]}
        />
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <Button type="submit">Search</Button>
        </div>
      </form>
      {loadError === undefined ? null : <Alert>{messageOf(loadError)}</Alert>}
      {records === undefined ? (
        <p>Loading…</p>
      ) : (
        <>
          <Table
            caption="DNS records"
            rows={records.rows}
            rowKey={(r) => r.id}
            empty={<p>{search === '' && type === '' ? 'No record yet.' : 'No record matches.'}</p>}
            columns={[
              { header: 'Type', cell: (r) => r.type },
              { header: 'Name', cell: (r) => r.name },
              { header: 'Content', cell: (r) => <code>{r.content}</code> },
              {
                header: 'Proxy',
                cell: (r) =>
                  r.proxiable ? (
                    <label>
                      <input type="checkbox" checked={r.proxied} onChange={() => void toggleProxied(r)} />{' '}
                      {r.proxied ? 'Proxied' : 'DNS only'}
                      <span className="visually-hidden"> ({r.name})</span>
                    </label>
                  ) : (
                    'DNS only'
                  ),
              },
              { header: 'TTL', cell: (r) => ttlText(r.ttl) },
              {
                header: 'Actions',
                cell: (r) => (
                  <>
                    <Button variant="link" onClick={() => openForm(r)} aria-label={`Edit ${r.type} ${r.name}`}>
                      Edit
                    </Button>{' '}
                    <Button variant="link" onClick={() => setDeleting(r)} aria-label={`Delete ${r.type} ${r.name}`}>
                      Delete
                    </Button>
                  </>
                ),
              },
            ]}
          />
          <nav className="form-row" aria-label="Pages">
            <Button onClick={() => setPage((p) => p - 1)} disabled={page <= 1}>
              Previous
            </Button>
            <span>
              Page {page} of {records.pages} ({records.total} records)
            </span>
            <Button onClick={() => setPage((p) => p + 1)} disabled={page >= records.pages}>
              Next
            </Button>
          </nav>
        </>
      )}
      <RecordForm
        open={formOpen}
        zoneName={z?.name ?? ''}
        editing={editing}
        draft={draft}
        setDraft={setDraft}
        save={async (body) => {
          if (editing === undefined) await api.post(base, body);
          else await api.put(`${base}/${editing.id}`, body);
          setFormOpen(false);
          setNotice(editing === undefined ? `Added ${String(body.type)} ${String(body.name)}.` : 'Saved.');
          reload();
        }}
        onClose={() => setFormOpen(false)}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this record?"
        confirmLabel="Delete"
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api.del(`${base}/${deleting.id}`);
          setNotice(`Deleted ${deleting.type} ${deleting.name}.`);
          reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>
          {deleting?.type} <strong>{deleting?.name}</strong> → <code>{deleting?.content}</code> stops resolving at once.
        </p>
      </ConfirmDialog>
    </>
  );
}
