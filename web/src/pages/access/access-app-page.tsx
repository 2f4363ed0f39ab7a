import { useMemo, useState } from 'react';
import { ApiError, api, messageOf } from '../../api';
import { Link, navigate } from '../../router';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import { Alert, Button, ConfirmDialog, Dialog, Field, PageHeader, SelectField, Table } from '../../ui';
import { useApi } from '../../use-api';
import type { AccessApp, AccessGroup, AccessPolicy, ServiceToken } from './access-types';
import { linesOf, newLine, policyWords, RuleBuilder, type RuleLine, ruleError, rulesOf } from './rule-builder';

export const DECISIONS: readonly (readonly [AccessPolicy['decision'], string])[] = [
  ['allow', 'Allow'],
  ['deny', 'Deny'],
  ['bypass', 'Bypass (no login)'],
  ['non_identity', 'Service auth (no login page)'],
];

const SESSIONS: readonly (readonly [string, string])[] = [
  ['30m', '30 minutes'],
  ['6h', '6 hours'],
  ['24h', '24 hours'],
  ['168h', '1 week'],
  ['720h', '1 month'],
];

/** The usual durations, plus the app's own when it is another (so saving never changes it unasked). */
function sessionOptions(current: string | undefined): readonly (readonly [string, string])[] {
  return current === undefined || SESSIONS.some(([v]) => v === current) ? SESSIONS : [...SESSIONS, [current, current]];
}

/** One Access application: its settings and its policies, edited with the rule builder. */
export function AccessAppPage({ params }: PageProps) {
  const { account } = useAccount();
  const accountBase = `/accounts/${encodeURIComponent(account.id)}/access`;
  const base = `${accountBase}/apps/${encodeURIComponent(params.id ?? '')}`;
  const app = useApi<AccessApp>(base);
  const groups = useApi<AccessGroup[]>(`${accountBase}/groups?per_page=100`);
  const tokens = useApi<ServiceToken[]>(`${accountBase}/service_tokens?per_page=100`);
  const names = useMemo(
    () => new Map([...(groups.data ?? []), ...(tokens.data ?? [])].map((x) => [x.id, x.name] as const)),
    [groups.data, tokens.data],
  );
  const [editing, setEditing] = useState<AccessPolicy | 'new' | undefined>(undefined);
  const [name, setName] = useState('');
  const [decision, setDecision] = useState<AccessPolicy['decision']>('allow');
  const [lines, setLines] = useState<RuleLine[]>([]);
  const [errors, setErrors] = useState<{ name?: string; rules?: string }>({});
  const [deleting, setDeleting] = useState<AccessPolicy | 'app' | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [settings, setSettings] = useState<{ name: string; domain: string; session: string } | undefined>(undefined);
  const [domainError, setDomainError] = useState<string | undefined>(undefined);

  const open = (p: AccessPolicy | 'new') => {
    setErrors({});
    setName(p === 'new' ? 'Allow my team' : p.name);
    setDecision(p === 'new' ? 'allow' : p.decision);
    setLines(p === 'new' ? [newLine('include', 'email_domain')] : linesOf(p));
    setEditing(p);
  };
  const save = async () => {
    setErrors({});
    const body = { name: name.trim(), decision, ...rulesOf(lines) };
    try {
      if (editing === 'new') await api.post(`${base}/policies`, body);
      else if (editing !== undefined) await api.put(`${base}/policies/${editing.id}`, body);
      setNotice(`Saved the policy ${body.name}.`);
      setEditing(undefined);
      app.reload();
    } catch (err) {
      // Rule messages name the list and index ("include[0].email.email …"): they go under the rules.
      if (ruleError(err) !== undefined) setErrors({ rules: ruleError(err) });
      else if (err instanceof ApiError && /^name\b/.test(err.message)) setErrors({ name: err.message });
      else throw err;
    }
  };

  const a = app.data;
  const saveSettings = async () => {
    if (a === undefined || settings === undefined) return;
    setDomainError(undefined);
    // PUT replaces the application: send back what it has, minus what the server owns, with the edits.
    const { id: _id, aud: _aud, policies: _policies, ...rest } = a as AccessApp & Record<string, unknown>;
    delete rest.uid;
    delete rest.created_at;
    delete rest.updated_at;
    try {
      await api.put(base, {
        ...rest,
        name: settings.name.trim(),
        domain: settings.domain.trim(),
        session_duration: settings.session,
      });
      setSettings(undefined);
      setNotice('Saved the application.');
      app.reload();
    } catch (err) {
      const m =
        err instanceof ApiError
          ? (err.forField('domain') ?? (/domain/i.test(err.message) ? err.message : undefined))
          : undefined;
      if (m === undefined) throw err;
      setDomainError(m);
    }
  };
  return (
    <>
      <PageHeader
        title={a === undefined ? 'Access application' : (a.name ?? a.domain)}
        back={<Link to="/access/apps">← Applications</Link>}
        description={
          a === undefined ? undefined : (
            <>
              Protects <code>{a.domain}</code>. Audience tag <code>{a.aud}</code>.
            </>
          )
        }
        actions={
          <>
            <Button variant="primary" onClick={() => open('new')} disabled={a === undefined}>
              Add a policy
            </Button>
            <Button
              onClick={() => {
                setDomainError(undefined);
                if (a !== undefined)
                  setSettings({ name: a.name ?? '', domain: a.domain, session: a.session_duration ?? '24h' });
              }}
              disabled={a === undefined}
            >
              Edit application
            </Button>
            <Button variant="danger" onClick={() => setDeleting('app')} disabled={a === undefined}>
              Delete application
            </Button>
          </>
        }
      />
      {app.error === undefined ? null : <Alert>{messageOf(app.error)}</Alert>}
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {a === undefined ? null : (
        <Table
          caption="Policies, in the order they are checked"
          showCaption
          rows={[...a.policies].sort((x, y) => x.precedence - y.precedence)}
          rowKey={(p) => p.id}
          empty={<p>No policy: nobody can reach {a.domain} until you add one.</p>}
          columns={[
            { header: 'Order', cell: (p) => p.precedence, className: 'num' },
            { header: 'Policy', cell: (p) => p.name },
            {
              header: 'Action',
              cell: (p) => DECISIONS.find(([d]) => d === p.decision)?.[1] ?? p.decision,
            },
            {
              header: 'Rules',
              cell: (p) => policyWords(p, names),
            },
            {
              header: 'Actions',
              cell: (p) => (
                <>
                  <Button variant="link" onClick={() => open(p)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </Button>{' '}
                  <Button variant="link" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
                    Delete
                  </Button>
                </>
              ),
            },
          ]}
        />
      )}
      <Dialog
        open={editing !== undefined}
        title={editing === 'new' ? 'Add a policy' : 'Edit the policy'}
        submitLabel="Save policy"
        onSubmit={save}
        onClose={() => setEditing(undefined)}
      >
        <div className="form-row">
          <Field
            label="Policy name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.name}
          />
          <SelectField
            label="Action"
            value={decision}
            onChange={(e) => setDecision(e.target.value as AccessPolicy['decision'])}
            options={DECISIONS}
          />
        </div>
        <RuleBuilder
          lines={lines}
          onChange={setLines}
          groups={groups.data ?? []}
          tokens={tokens.data ?? []}
          error={errors.rules}
        />
      </Dialog>
      <Dialog
        open={settings !== undefined}
        title="Edit the application"
        submitLabel="Save"
        onSubmit={saveSettings}
        onClose={() => setSettings(undefined)}
      >
        <Field
          label="Name"
          required
          value={settings?.name ?? ''}
          onChange={(e) => settings !== undefined && setSettings({ ...settings, name: e.target.value })}
        />
        <Field
          label="Domain"
          required
          value={settings?.domain ?? ''}
          onChange={(e) => settings !== undefined && setSettings({ ...settings, domain: e.target.value })}
          error={domainError}
        />
        <SelectField
          label="Session duration"
          value={settings?.session ?? '24h'}
          onChange={(e) => settings !== undefined && setSettings({ ...settings, session: e.target.value })}
          options={sessionOptions(settings?.session)}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title={deleting === 'app' ? 'Delete this application?' : 'Delete this policy?'}
        confirmLabel="Delete"
        onConfirm={async () => {
          if (deleting === 'app') {
            await api.del(base);
            navigate('/access/apps');
          } else if (deleting !== undefined) {
            await api.del(`${base}/policies/${deleting.id}`);
            setNotice(`Deleted the policy ${deleting.name}.`);
            app.reload();
          }
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>
          {deleting === 'app'
            ? `${a?.domain ?? 'The hostname'} is no longer protected by Access: visitors reach it without a login.`
            : 'Visitors this policy let in may lose access.'}
        </p>
      </ConfirmDialog>
    </>
  );
}
