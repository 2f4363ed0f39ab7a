import { useState } from 'react';
import { api, apiKey, messageOf, useApiMutation, type Zone } from '../../api';
import { Alert, Button, CopyButton, StatusBadge } from '../../ui';

/**
 * The steps left before a new site works, with its status and "Check now": for a full zone the
 * name servers to set at the registrar; for a partial zone the TXT record that proves it is yours
 * (the CNAME lines follow in the partial-zone card).
 */
export function ZoneActivation({ zone }: { zone: Zone }) {
  const path = { zone_id: zone.id };
  const change = useApiMutation([apiKey('/zones/{zone_id}', path), apiKey('/zones')]);
  const [result, setResult] = useState<string | undefined>(undefined);
  const [checking, setChecking] = useState(false);
  if (zone.status !== 'pending') return null;

  const check = async () => {
    setChecking(true);
    setResult(undefined);
    try {
      const answer = await change(() => api.put('/zones/{zone_id}/activation_check', { path }));
      setResult(
        answer.zone_status === 'active'
          ? `${zone.name} is active.`
          : `Not yet: warren could not see the change. DNS changes can take up to a day to show; warren also checks by itself every few minutes.`,
      );
    } catch (err) {
      setResult(messageOf(err));
    } finally {
      setChecking(false);
    }
  };
  const full = zone.type === 'full';
  const lines = full
    ? zone.name_servers
    : zone.verification_record === undefined
      ? []
      : [`${zone.verification_record.name}. TXT "${zone.verification_record.content}"`];
  return (
    <section className="card" aria-labelledby="zone-activation">
      <h2 id="zone-activation">Finish adding {zone.name}</h2>
      <p>
        Status: <StatusBadge status={zone.status} />{' '}
        {full
          ? 'warren answers for this site once its registrar points at warren’s name servers.'
          : 'warren routes this site once it has seen the TXT record below at your DNS provider.'}
      </p>
      <p>
        {full
          ? `At the registrar of ${zone.name}, replace its name servers with these two (remove any others):`
          : `At the DNS provider of ${zone.name}, create this TXT record:`}
      </p>
      <div className="secret-box">
        <figure className="setup-lines" aria-label={full ? 'Name servers' : 'TXT record'}>
          <pre>{lines.join('\n')}</pre>
        </figure>
        <CopyButton text={lines.join('\n')} />
      </div>
      {full ? null : (
        <p>Then, for each hostname you proxy, a CNAME to warren (listed below once you add a proxied record).</p>
      )}
      {result === undefined ? null : <Alert kind="info">{result}</Alert>}
      <Button onClick={check} busy={checking}>
        Check now
      </Button>
    </section>
  );
}
