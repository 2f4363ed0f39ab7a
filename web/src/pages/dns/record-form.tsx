import { useState } from 'react';
import '../access/forms.css';
import { ApiError, type Body, type DnsRecord, messageOf } from '../../api';
import { Alert, Dialog, Field, SelectField } from '../../ui';
import { RECORD_TYPES } from './record-options';

export type RecordBody = Body<'post', '/zones/{zone_id}/dns_records'>;

const FIELDS = ['name', 'type', 'content', 'ttl', 'priority', 'proxied', 'comment'] as const;
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);

export interface RecordDraft {
  name: string;
  type: RecordBody['type'];
  content: string;
  ttl: string;
  priority: string;
  proxied: boolean;
  comment: string;
}

export function draftOf(r: DnsRecord | undefined, zoneName: string): RecordDraft {
  if (r === undefined)
    return {
      name: '',
      type: 'A',
      content: '',
      ttl: '1',
      priority: '10',
      proxied: false,
      comment: '',
    };
  // Show the name relative to the zone, as it is typed ("www", "@").
  const rel =
    r.name === zoneName ? '@' : r.name.endsWith(`.${zoneName}`) ? r.name.slice(0, -zoneName.length - 1) : r.name;
  return {
    name: rel,
    type: r.type as RecordBody['type'],
    content: r.content,
    ttl: String(r.ttl),
    priority: r.priority === undefined ? '10' : String(r.priority),
    proxied: r.proxied,
    comment: r.comment ?? '',
  };
}

/** The body the API takes; the server validates everything (its messages go next to the fields). */
function bodyOf(d: RecordDraft, zoneName: string): RecordBody {
  const body: RecordBody = {
    name: d.name.trim() === '@' ? zoneName : d.name.trim(),
    type: d.type,
    content: d.content.trim(),
    ttl: Number(d.ttl),
    proxied: PROXIABLE.has(d.type) ? d.proxied : false,
    comment: d.comment === '' ? null : d.comment,
  };
  if (d.type === 'MX') body.priority = Number(d.priority);
  return body;
}

/** Add or edit one record in a dialog. */
export function RecordForm(props: {
  open: boolean;
  zoneName: string;
  editing: DnsRecord | undefined;
  draft: RecordDraft;
  setDraft: (d: RecordDraft) => void;
  save: (body: RecordBody) => Promise<void>;
  onClose: () => void;
}) {
  const [err, setErr] = useState<unknown>(undefined);
  const d = props.draft;
  const set = (patch: Partial<RecordDraft>) => props.setDraft({ ...d, ...patch });
  // Every refusal of a record names its field (source.pointer); what points elsewhere goes above the form.
  const fieldError = (f: (typeof FIELDS)[number]) => (err instanceof ApiError ? err.forField(f) : undefined);
  const general = err === undefined ? [] : err instanceof ApiError ? err.general(FIELDS) : [messageOf(err)];
  return (
    <Dialog
      open={props.open}
      title={props.editing === undefined ? 'Add a record' : `Edit ${props.editing.type} ${props.editing.name}`}
      submitLabel="Save"
      onSubmit={async () => {
        setErr(undefined);
        try {
          await props.save(bodyOf(d, props.zoneName));
        } catch (e) {
          setErr(e);
        }
      }}
      onClose={() => {
        setErr(undefined);
        props.onClose();
      }}
    >
      {general.map((m) => (
        <Alert key={m}>{m}</Alert>
      ))}
      <div className="form-row">
        <SelectField
          label="Type"
          value={d.type}
          onChange={(e) => set({ type: e.target.value as RecordBody['type'] })}
          options={RECORD_TYPES.map((t) => [t, t] as const)}
          error={fieldError('type')}
        />
        <Field
          label="Name"
          required
          value={d.name}
          onChange={(e) => set({ name: e.target.value })}
          hint={`"@" for ${props.zoneName}; "www" for www.${props.zoneName}`}
          error={fieldError('name')}
          autoComplete="off"
        />
      </div>
      <Field
        label="Content"
        value={d.content}
        onChange={(e) => set({ content: e.target.value })}
        hint={d.type === 'A' ? 'An IPv4 address' : d.type === 'AAAA' ? 'An IPv6 address' : undefined}
        error={fieldError('content')}
        autoComplete="off"
      />
      <div className="form-row">
        <SelectField
          label="TTL"
          value={d.ttl}
          onChange={(e) => set({ ttl: e.target.value })}
          options={[
            ['1', 'Auto'],
            ['60', '1 min'],
            ['300', '5 min'],
            ['3600', '1 h'],
            ['86400', '1 day'],
          ]}
          error={fieldError('ttl')}
        />
        {d.type === 'MX' ? (
          <Field
            label="Priority"
            type="number"
            value={d.priority}
            onChange={(e) => set({ priority: e.target.value })}
            error={fieldError('priority')}
          />
        ) : null}
      </div>
      {PROXIABLE.has(d.type) ? (
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={d.proxied} onChange={(e) => set({ proxied: e.target.checked })} /> Proxied
            through warren's edge
          </label>
          {fieldError('proxied') === undefined ? null : <p className="field-error">{fieldError('proxied')}</p>}
        </div>
      ) : null}
      <Field
        label="Comment"
        value={d.comment}
        maxLength={100}
        onChange={(e) => set({ comment: e.target.value })}
        error={fieldError('comment')}
      />
    </Dialog>
  );
}
