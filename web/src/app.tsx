import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, messageOf, type Session, SIGNED_OUT_EVENT, setCsrfToken } from './api';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { navigate } from './router';
import { Shell } from './shell';
import { Alert } from './ui';

/** The dashboard: the sign-in page until there is a session, then the shell around the routed page. */
export function App() {
  // undefined: asking the server; null: signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const queries = useQueryClient();

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrf_token);
    setSession(s);
  }, []);
  // Signed out: nothing cached for this user may show to whoever signs in next in this tab.
  const signedOut = useCallback(() => {
    setCsrfToken('');
    setSession(null);
    queries.clear();
  }, [queries]);

  useEffect(() => {
    api.get('/user/sessions/current', {}).then(signedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) setSession(null);
      else setLoadError(messageOf(err));
    });
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, [signedIn, signedOut]);

  if (loadError !== undefined) {
    return (
      <main className="center-page">
        <Alert>{loadError}</Alert>
      </main>
    );
  }
  if (session === undefined) {
    return (
      <main className="center-page" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (session === null) return <SignInPage onSignedIn={signedIn} />;
  return (
    <Shell
      session={session}
      signOut={async () => {
        await api.del('/user/sessions/current', {});
        signedOut();
        navigate('/', { replace: true });
      }}
    />
  );
}
