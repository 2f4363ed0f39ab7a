import { createContext, useContext } from 'react';
import type { Account, Session } from './api';

export interface SessionState {
  session: Session;
  signOut: () => Promise<void>;
}

export interface AccountState {
  /** The account the pages act in (the switcher in the header picks it). */
  account: Account;
  accounts: readonly Account[];
  switchTo: (id: string) => void;
}

export const SessionContext = createContext<SessionState | undefined>(undefined);
export const AccountContext = createContext<AccountState | undefined>(undefined);

/** The signed-in session; only inside the dashboard shell. */
export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (s === undefined) throw new Error('useSession outside the signed-in shell');
  return s;
}

/** The current account; only inside the dashboard shell. */
export function useAccount(): AccountState {
  const a = useContext(AccountContext);
  if (a === undefined) throw new Error('useAccount outside the signed-in shell');
  return a;
}
