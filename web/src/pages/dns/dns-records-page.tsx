import { useState } from 'react';
import { api, apiKey, type DnsRecord, messageOf, useApiMutation, useApiPage, useApiQuery, type Zone } from '../../api';
import { Link } from '../../router';
import type { PageProps } from '../../routes';
import {
  Alert,
  CopyButton,
  Field,
  FilterForm,
  PagedTable,
  PageHeader,
  SelectField,
  StatusBadge,
  useConfirm,
} from '../../ui';
import { draftOf, type RecordBody, type RecordDraft, RecordForm } from './record-form';
import { RECORD_TYPES, ttlText } from './record-options';
import { ZoneActivation } from './zone-activation';

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
  const path = { zone_id: params.zone ?? '' };
  const zone = useApiQuery('/zones/{zone_id}', { path });
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [type, setType] = useState<RecordBody['type'] | ''>('');
  const query = { search, order: 'name' as const, ...(type === '' ? {} : { type }) };
  const records = useApiPage('/zones/{zone_id}/dns_records', { path, query }, PER_PAGE);
  const change = useApiMutation([apiKey('/zones/{zone_id}', path)]);
  const confirm = useConfirm();
  const [editing, setEditing] = useState<DnsRecord | undefined>(undefined);
  const [formOpen, setFormOpen] = useState(false);
  const [draft, setDraft] = useState<RecordDraft>(draftOf(undefined, ''));
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const z = zone.data;
  const openForm = (r: DnsRecord | undefined) => {
    setEditing(r);
    setDraft(draftOf(r, z?.name ?? ''));
    setFormOpen(true);
  };
  const record = (r: DnsRecord) => ({ path: { ...path, record_id: r.id } });
  const toggleProxied = async (r: DnsRecord) => {
    setNotice(undefined);
    try {
      const body = { proxied: !r.proxied };
      await change(() => api.patch('/zones/{zone_id}/dns_records/{record_id}', { ...record(r), body }));
      setNotice(`${r.name} is ${r.proxied ? 'DNS only' : 'proxied'} now.`);
    } catch (err) {
      setNotice(messageOf(err));
    }
  };
  const remove = (r: DnsRecord) =>
    confirm.ask({
      title: 'Delete this record?',
      confirmLabel: 'Delete',
      body: (
        <p>
          {r.type} <strong>{r.name}</strong> → <code>{r.content}</code> stops resolving at once.
        </p>
      ),
      run: async () => {
        await change(() => api.del('/zones/{zone_id}/dns_records/{record_id}', record(r)));
        setNotice(`Deleted ${r.type} ${r.name}.`);
      },
    });

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
        primary={{ label: 'Add a record', onClick: () => openForm(undefined), disabled: z === undefined }}
      />
      {zone.error === null ? null : <Alert>{messageOf(zone.error)}</Alert>}
      {notice === undefined ? null : <Alert kind="info">{notice}</Alert>}
      {z === undefined ? null : <ZoneActivation zone={z} />}
      {z === undefined ? null : <PartialZoneSetup zone={z} records={records.rows ?? []} />}
      <FilterForm
        label="Search the records"
        submitLabel="Search"
        onSubmit={() => {
          records.setPage(1);
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
            records.setPage(1);
            setType(e.target.value as RecordBody['type'] | '');
          }}
          options={[['', 'All types'], ...RECORD_TYPES.map((t) => [t, t] as const)]}
        />
      </FilterForm>
      <PagedTable
        load={records}
        noun="records"
        caption="DNS records"
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
        ]}
        actions={(r) => [
          { label: 'Edit', name: `Edit ${r.type} ${r.name}`, onClick: () => openForm(r) },
          { label: 'Delete', name: `Delete ${r.type} ${r.name}`, onClick: () => remove(r) },
        ]}
      />
      <RecordForm
        open={formOpen}
        zoneName={z?.name ?? ''}
        editing={editing}
        draft={draft}
        setDraft={setDraft}
        save={async (body) => {
          await change(() =>
            editing === undefined
              ? api.post('/zones/{zone_id}/dns_records', { path, body })
              : api.put('/zones/{zone_id}/dns_records/{record_id}', { ...record(editing), body }),
          );
          setFormOpen(false);
          setNotice(editing === undefined ? `Added ${body.type} ${body.name}.` : 'Saved.');
        }}
        onClose={() => setFormOpen(false)}
      />
      {confirm.dialog}
    </>
  );
}
