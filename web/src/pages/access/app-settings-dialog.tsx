import { useEffect, useState } from 'react';
import type { AccessApp, Body, IdentityProvider } from '../../api';
import { Dialog, Field, SelectField } from '../../ui';
import { appDomainError } from './app-domain-error';
import './forms.css';
import { sessionOptions } from './session-options';

type AppBody = Body<'put', '/accounts/{account_id}/access/apps/{app_id}'>;

/** An application's name, domain, session duration and login methods (open while `app` is set). */
export function AppSettingsDialog(props: {
  app: AccessApp | undefined;
  /** The account's login methods, to pick from. */
  idps: readonly IdentityProvider[];
  onSave: (body: AppBody) => Promise<void>;
  onClose: () => void;
}) {
  const { app } = props;
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [session, setSession] = useState('24h');
  // Empty: every login method of the account (Cloudflare's allowed_idps).
  const [allowed, setAllowed] = useState<readonly string[]>([]);
  const [domainError, setDomainError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (app === undefined) return;
    setName(app.name ?? '');
    setDomain(app.domain);
    setSession(app.session_duration ?? '24h');
    setAllowed(app.allowed_idps ?? []);
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
      await props.onSave({
        ...rest,
        name: name.trim(),
        domain: domain.trim(),
        session_duration: session,
        allowed_idps: [...allowed],
      });
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
      <fieldset className="field">
        <legend>Login methods</legend>
        {props.idps.length === 0 ? (
          <p className="field-hint">The account has no login method yet: add one in Access settings.</p>
        ) : (
          <>
            <p className="field-hint">None ticked: every login method of the account.</p>
            {props.idps.map((i) => (
              <label key={i.id} className="check">
                <input
                  type="checkbox"
                  checked={allowed.includes(i.id)}
                  onChange={(e) =>
                    setAllowed(e.target.checked ? [...allowed, i.id] : allowed.filter((id) => id !== i.id))
                  }
                />{' '}
                {i.name}
              </label>
            ))}
          </>
        )}
      </fieldset>
    </Dialog>
  );
}
