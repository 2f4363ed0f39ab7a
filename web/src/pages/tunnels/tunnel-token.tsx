import { useState } from 'react';
import { api, messageOf } from '../../api';
import { Alert, Button, CopyButton } from '../../ui';

/**
 * The tunnel's token, hidden until asked for (reading it takes tunnel write permission), with
 * the exact command that runs a connector with it. Not a cached query: the secret lives only in
 * this component's state while it is shown.
 */
export function TunnelToken({ path }: { path: { account_id: string; tunnel_id: string } }) {
  const [run, setRun] = useState<{ token: string; command: string } | undefined>(undefined);
  const token = run?.token;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const reveal = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // The command as the server prints it: the launcher that runs from any directory, and a token
      // that carries the edge's address and CA pin.
      setRun(await api.get('/accounts/{account_id}/cfd_tunnel/{tunnel_id}/run_command', { path }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const command = run?.command ?? '';
  return (
    <section className="card" aria-labelledby="run-heading">
      <h2 id="run-heading">Run a connector</h2>
      <p>
        Run this next to your app. The token is the tunnel's secret: anyone holding it can serve this tunnel's
        hostnames.
      </p>
      {error === undefined ? null : <Alert>{error}</Alert>}
      {token === undefined ? (
        <Button variant="primary" busy={busy} onClick={reveal}>
          Reveal token
        </Button>
      ) : (
        <>
          <div className="secret-box">
            <pre data-testid="run-command">{command}</pre>
          </div>
          <div className="page-actions">
            <CopyButton text={command} label="Copy command" />
            <CopyButton text={token} label="Copy token" />
            <Button variant="link" onClick={() => setRun(undefined)}>
              Hide token
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
