import { useEffect, useState } from 'react';
import type { AccessApp, Body } from '../../api';
import { Dialog, Field, SelectField } from '../../ui';
import { appDomainError } from './app-domain-error';

type AppBody = Body<'put', '/accounts/{account_id}/access/apps/{app_id}'>;

const SESSIONS: readonly (readonly [string, string])[] = [
  ['30m', '30 minutes'],
  ['6h', '6 hours'],
  ['24h', '24 hours'],
  ['168h', '1 week'],
  ['720h', '1 month'],
];

/** The usual durations, plus the app's own when it is another (so saving never changes it unasked). */
function sessionOptions(current: string): readonly (readonly [string, string])[] {
  return SESSIONS.some(([v]) => v === current) ? SESSIONS : [...SESSIONS, [current, current]];
}

/** An application's name, domain and session duration (open while `app` is set). */
export function AppSettingsDialog(props: {
  app: AccessApp | undefined;
  onSave: (body: AppBody) => Promise<void>;
  onClose: () => void;
}) {
  const { app } = props;
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [session, setSession] = useState('24h');
  const [domainError, setDomainError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (app === undefined) return;
    setName(app.name ?? '');
    setDomain(app.domain);
    setSession(app.session_duration ?? '24h');
    setDomainError(undefined);
  }, [app]);

  const save = async () => {
    if (app === undefined) return;
    setDomainError(undefined);
    // PUT replaces the application: send back what it has, minus what the server owns, with the edits.
    const { id: _id, aud: _aud, policies: _policies, ...rest } = app as AccessApp & Record<string, unknown>;
    delete rest.uid;
    delete rest.created_at;
    delete rest.updated_at;
    try {
      await props.onSave({ ...rest, name: name.trim(), domain: domain.trim(), session_duration: session });
    } catch (err) {
      const m = appDomainError(err);
      if (m === undefined) throw err;
      setDomainError(m);
    }
  };
  return (
    <Dialog
      open={app !== undefined}
      title="Edit the application"
      submitLabel="Save"
      onSubmit={save}
      onClose={props.onClose}
    >
      <Field label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
      <Field label="Domain" required value={domain} onChange={(e) => setDomain(e.target.value)} error={domainError} />
      <SelectField
        label="Session duration"
        value={session}
        onChange={(e) => setSession(e.target.value)}
        options={sessionOptions(session)}
      />
    </Dialog>
  );
}
