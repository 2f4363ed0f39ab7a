import { useEffect, useState } from 'react';
import '../access/forms.css';
import { type AuditEntry, messageOf, request, urlOf, useApiPage } from '../../api';
import { navigate, useLocation } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, download, Field, FilterForm, PagedTable, PageHeader, SelectField } from '../../ui';
import { ACTION_WORDS } from './action-words';
import { auditCsv } from './audit-csv';
import { type AuditRow, auditRows, rowWords } from './connection-rows';

const PER_PAGE = 25;
/** CSV export reads at most this many pages of 1000 (bounded, whatever the log's size). */
const EXPORT_PAGES = 20;

interface Filters {
  action: string;
  actor: string;
  since: string;
  before: string;
}

const FILTER_KEYS = ['action', 'actor', 'since', 'before'] as const;

/** The filters kept in the address (`/audit?action=rec_add&actor=…`): a filtered view is a link. */
function filtersOf(search: URLSearchParams): Filters {
  return {
    action: search.get('action') ?? '',
    actor: search.get('actor') ?? '',
    since: search.get('since') ?? '',
    before: search.get('before') ?? '',
  };
}

function addressOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k] !== '') q.set(k, f[k]);
  const s = q.toString();
  return s === '' ? '/audit' : `/audit?${s}`;
}

/** A datetime-local value (the browser's local time) as RFC 3339, or undefined. */
function instant(v: string): string | undefined {
  if (v === '') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function query(f: Filters) {
  const actor = f.actor.trim();
  const isIp = /^[0-9a-f:.]+$/i.test(actor) && /[.:]/.test(actor);
  return {
    'action.type': f.action === '' ? undefined : f.action,
    'actor.email': actor !== '' && !isIp ? actor : undefined,
    'actor.ip': isIp ? actor : undefined,
    since: instant(f.since),
    before: instant(f.before),
  };
}

const ACTION_OPTIONS: readonly (readonly [string, string])[] = [
  ['', 'All actions'],
  ...Object.entries(ACTION_WORDS)
    .map(([type, words]) => [type, words] as const)
    .sort((a, b) => a[1].localeCompare(b[1])),
];

/** The account's audit log: filters, entries in words with the raw entry, CSV export. */
export function AuditPage(_: PageProps) {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const { search } = useLocation();
  const address = search.toString();
  const filters = filtersOf(search);
  const [draft, setDraft] = useState<Filters>(filters);
  // Back, forward or a pasted link: the form shows the address's filters.
  useEffect(() => setDraft(filtersOf(new URLSearchParams(address))), [address]);
  const entries = useApiPage('/accounts/{account_id}/audit_logs', { path, query: query(filters) }, PER_PAGE);
  const rows = entries.rows === undefined ? undefined : auditRows(entries.rows);
  const [exportError, setExportError] = useState<unknown>(undefined);
  const [exporting, setExporting] = useState(false);

  // Not a cached query: one file of up to EXPORT_PAGES pages, read once when asked for.
  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      const all: AuditEntry[] = [];
      for (let p = 1; p <= EXPORT_PAGES; p++) {
        const url = urlOf('/accounts/{account_id}/audit_logs', {
          path,
          query: { ...query(filters), page: p, per_page: 1000 },
        });
        const env = await request<AuditEntry[]>('GET', url);
        all.push(...env.result);
        if (env.result.length < 1000) break;
      }
      download(`audit-log-${account.name}.csv`, auditCsv(all), 'text/csv');
    } catch (err) {
      setExportError(err);
    } finally {
      setExporting(false);
    }
  };

  const set = (patch: Partial<Filters>) => setDraft({ ...draft, ...patch });
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who did what in this account, and what warren's edge did (tunnel connections), newest first."
        actions={
          <Button onClick={() => void exportCsv()} busy={exporting}>
            Export CSV
          </Button>
        }
      />
      <FilterForm
        label="Filter the audit log"
        submitLabel="Filter"
        onSubmit={() => {
          entries.setPage(1);
          navigate(addressOf(draft));
        }}
      >
        <SelectField
          label="Action"
          value={draft.action}
          onChange={(e) => set({ action: e.target.value })}
          options={ACTION_OPTIONS}
        />
        <Field
          label="Actor"
          value={draft.actor}
          onChange={(e) => set({ actor: e.target.value })}
          hint="E-mail or IP address"
        />
        <Field
          label="From"
          type="datetime-local"
          value={draft.since}
          onChange={(e) => set({ since: e.target.value })}
        />
        <Field
          label="Until"
          type="datetime-local"
          value={draft.before}
          onChange={(e) => set({ before: e.target.value })}
        />
      </FilterForm>
      {exportError === undefined ? null : <Alert>{messageOf(exportError)}</Alert>}
      <PagedTable
        load={{ ...entries, rows }}
        noun="entries"
        labels={['Newer', 'Older']}
        caption="Audit log entries"
        rowKey={(r: AuditRow) => r.id}
        empty={<p>No entry matches.</p>}
        columns={[
          {
            header: 'When',
            cell: ({ first: e }) => <time dateTime={e.when}>{new Date(e.when).toLocaleString()}</time>,
          },
          {
            header: 'Action',
            cell: (r) => (
              <details>
                <summary>
                  {rowWords(r)}
                  {r.first.action.result ? '' : ' (failed)'}
                </summary>
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable) */}
                <pre className="raw-json" tabIndex={0}>
                  {JSON.stringify(r.entries.length === 1 ? r.first : r.entries, null, 2)}
                </pre>
              </details>
            ),
          },
          {
            header: 'Actor',
            cell: ({ first: e }) => (e.actor.type === 'user' ? (e.actor.email ?? '') : 'warren'),
          },
          { header: 'IP', cell: ({ first: e }) => e.actor.ip ?? '' },
          {
            header: 'Resource',
            cell: ({ first: e }) => `${e.resource.type ?? ''} ${resourceName(e)}`.trim(),
          },
        ]}
      />
    </>
  );
}

/** The name in the metadata when there is one (a record's name, a tunnel's name), else the id. */
function resourceName(e: AuditEntry): string {
  const m = (typeof e.metadata === 'object' && e.metadata !== null ? e.metadata : {}) as Record<string, unknown>;
  for (const k of ['name', 'zone_name', 'email', 'tunnel_name']) {
    const v = m[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return e.resource.id ?? '';
}
