import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { messageOf, type Session, useApiQuery } from './api';
import { Link, matchPath, navigate, useLocation } from './router';
import { NAV_SECTIONS, type RouteDef, routes } from './routes';
import { AccountContext, type AccountState, SessionContext } from './session';
import { Alert, Button } from './ui';

const ACCOUNT_KEY = 'warren.account';

function findRoute(path: string): { route: RouteDef; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params !== undefined) return { route, params };
  }
  return undefined;
}

/** The signed-in dashboard: top bar, side nav, and the routed page in the current account. */
export function Shell({ session, signOut }: { session: Session; signOut: () => Promise<void> }) {
  const { path } = useLocation();
  const accounts = useApiQuery('/accounts', { query: { per_page: 50 } });
  const [accountId, setAccountId] = useState<string | null>(() => window.localStorage.getItem(ACCOUNT_KEY));
  const [signOutError, setSignOutError] = useState<string | undefined>(undefined);
  const main = useRef<HTMLElement>(null);
  // On a phone the nav is a menu behind the top bar's button; it closes when a page opens.
  const [menuOpen, setMenuOpen] = useState(false);

  // "/" shows the first page of the nav.
  useEffect(() => {
    if (path === '/' && routes[0] !== undefined) navigate(routes[0].path, { replace: true });
  }, [path]);
  // A new page moves focus to its content, so screen readers start there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
    setMenuOpen(false);
  }, [path]);

  const list = accounts.data ?? [];
  const account = list.find((a) => a.id === accountId) ?? list[0];
  const accountState = useMemo<AccountState | undefined>(
    () =>
      account === undefined
        ? undefined
        : {
            account,
            accounts: list,
            switchTo: (id: string) => {
              window.localStorage.setItem(ACCOUNT_KEY, id);
              setAccountId(id);
            },
          },
    [account, list],
  );
  const found = findRoute(path);

  let content: ReactNode;
  if (accounts.data === undefined) {
    content = accounts.error === null ? <p>Loading…</p> : <Alert>{messageOf(accounts.error)}</Alert>;
  } else if (accountState === undefined) {
    content = (
      <Alert kind="info">
        You are not a member of any account yet. Accept an invitation (ask the account's administrator), then reload.
      </Alert>
    );
  } else if (found === undefined) {
    content = (
      <>
        <h1>Page not found</h1>
        <p>
          There is no page at <code>{path}</code>. <Link to="/">Go to the dashboard</Link>.
        </p>
      </>
    );
  } else {
    const Page = found.route.component;
    // key: a new account or path starts the page afresh (no state from another account).
    content = <Page key={`${accountState.account.id}${path}`} params={found.params} />;
  }

  return (
    <SessionContext.Provider value={{ session, signOut }}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <header className="topbar">
          <Link to="/" className="brand">
            <span aria-hidden="true" className="brand-mark">
              ◆
            </span>{' '}
            warren
          </Link>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="sidenav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {menuOpen ? 'Close menu' : 'Menu'}
          </button>
          <div className="topbar-right">
            {list.length > 1 && accountState !== undefined ? (
              <label className="account-switch">
                <span className="visually-hidden">Account</span>
                <select value={accountState.account.id} onChange={(e) => accountState.switchTo(e.target.value)}>
                  {list.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : accountState === undefined ? null : (
              <span className="account-name">{accountState.account.name}</span>
            )}
            <span className="user-email">{session.user.email}</span>
            <Button
              variant="secondary"
              onClick={() => {
                setSignOutError(undefined);
                signOut().catch((err: unknown) => setSignOutError(messageOf(err)));
              }}
            >
              Sign out
            </Button>
          </div>
        </header>
        <nav id="sidenav" className={menuOpen ? 'sidenav open' : 'sidenav'} aria-label="Dashboard">
          {NAV_SECTIONS.map((section) => {
            const items = routes.filter((r) => r.nav === section);
            if (items.length === 0) return null;
            return (
              <div key={section} className="nav-section">
                <h2 className="nav-heading">{section}</h2>
                <ul>
                  {items.map((r) => {
                    const current = path === r.path || path.startsWith(`${r.path}/`);
                    return (
                      <li key={r.path}>
                        <Link to={r.path} aria-current={current ? 'page' : undefined}>
                          {r.title}
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </div>
            );
          })}
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="content">
          {signOutError === undefined ? null : <Alert>{signOutError}</Alert>}
          {accountState === undefined ? (
            content
          ) : (
            <AccountContext.Provider value={accountState}>{content}</AccountContext.Provider>
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
