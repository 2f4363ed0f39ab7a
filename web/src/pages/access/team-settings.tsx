import { useEffect, useState } from 'react';
import { ApiError, api, apiKey, messageOf, useApiMutation } from '../../api';
import { useAccount } from '../../session';
import { Alert, Button, Field, SelectField, useTextField } from '../../ui';
import { sessionOptions } from './session-options';
import { useOrganization } from './use-organization';

/** The team name in `<team>.access.<domain>`. */
const teamOf = (authDomain: string): string => authDomain.split('.')[0] ?? '';

/**
 * The account's team domain (where visitors log in) and how long a login lasts: Cloudflare's
 * Zero Trust organization. An account without one is told what it means.
 */
export function TeamSettings() {
  const { account } = useAccount();
  const path = { account_id: account.id };
  const { org, missing, error } = useOrganization(account.id);
  const change = useApiMutation([apiKey('/accounts/{account_id}/access/organizations', path)]);
  const [name, setName] = useState('');
  const team = useTextField();
  const [session, setSession] = useState('24h');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (org !== undefined) {
      setName(org.name);
      team.setValue(teamOf(org.auth_domain));
      setSession(org.session_duration ?? '24h');
    } else if (missing) {
      setName(account.name);
      team.setValue('');
    }
  }, [org, missing, account.name, team.setValue]);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    team.setError(undefined);
    setFailure(undefined);
    setNotice(undefined);
    try {
      const body = { name: name.trim(), auth_domain: team.value.trim(), session_duration: session };
      const saved = await change(() =>
        org === undefined
          ? api.post('/accounts/{account_id}/access/organizations', { path, body })
          : api.put('/accounts/{account_id}/access/organizations', { path, body }),
      );
      setNotice(`Saved. Visitors log in at ${(saved as { auth_domain: string }).auth_domain}.`);
    } catch (err) {
      const m = err instanceof ApiError ? err.forField('auth_domain') : undefined;
      if (m === undefined) setFailure(messageOf(err));
      else team.setError(m);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="team-title">
      <h2 id="team-title">Team domain</h2>
      {error === null || error === undefined ? null : <Alert>{messageOf(error)}</Alert>}
      {missing ? (
        <Alert kind="info">
          No team domain yet: visitors of a protected hostname have nowhere to log in. Pick a team name below (your
          first application also creates one from the account's name).
        </Alert>
      ) : null}
      {org === undefined ? null : (
        <p>
          Visitors log in at <code>{org.auth_domain}</code>; applications check tokens against its keys.
        </p>
      )}
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {failure === undefined ? null : <Alert>{failure}</Alert>}
      <form onSubmit={save}>
        <Field label="Organization name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field
          label="Team name"
          required
          {...team.props}
          hint="Letters, digits and dashes: the first label of the team domain (<team>.access.<your warren domain>)"
        />
        <SelectField
          label="Session duration"
          value={session}
          onChange={(e) => setSession(e.target.value)}
          options={sessionOptions(session)}
          hint="How long a login lasts, for applications added from now on (each application can change it)"
        />
        <Button type="submit" variant="primary" busy={busy}>
          Save team settings
        </Button>
      </form>
    </section>
  );
}
