import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, messageOf, type Session } from '../../api';
import { Alert, Button, Field } from '../../ui';

/** E-mail and password → a session cookie (POST /user/sessions). */
export function SignInPage({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string | undefined>(undefined);
  useEffect(() => {
    document.title = 'Sign in · warren';
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.post('/user/sessions', { body: { email, password } }));
    } catch (err) {
      setError(err instanceof ApiError ? err : messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const general = error instanceof ApiError ? error.general(['email', 'password']) : error === undefined ? [] : [error];
  return (
    <main className="center-page">
      <div className="card sign-in">
        <p className="brand brand-large">
          <span aria-hidden="true" className="brand-mark">
            ◆
          </span>{' '}
          warren
        </p>
        <h1>Sign in</h1>
        {general.length === 0 ? null : (
          <Alert>
            {general.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </Alert>
        )}
        <form onSubmit={submit} noValidate>
          {(
            [
              ['email', 'E-mail', 'username', email, setEmail],
              ['password', 'Password', 'current-password', password, setPassword],
            ] as const
          ).map(([field, label, autoComplete, value, set]) => (
            <Field
              key={field}
              label={label}
              type={field}
              name={field}
              autoComplete={autoComplete}
              required
              value={value}
              onChange={(e) => set(e.target.value)}
              error={error instanceof ApiError ? error.forField(field) : undefined}
            />
          ))}
          <Button type="submit" variant="primary" busy={busy} className="btn-block">
            Sign in
          </Button>
        </form>
        <p className="muted">
          First run? Open the one-time <code>/setup?token=…</code> link that <code>warren serve</code> printed; it
          creates the first administrator. From a terminal, <code>warren login</code> signs in the command line.
        </p>
      </div>
    </main>
  );
}
