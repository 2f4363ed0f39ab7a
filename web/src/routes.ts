import type { ComponentType } from 'react';
import { SessionsPage } from './pages/sessions/sessions-page';
import { TunnelPage } from './pages/tunnels/tunnel-page';
import { TunnelsPage } from './pages/tunnels/tunnels-page';

/** What every page gets: the `:params` of its path. The account comes from `useAccount()`. */
export interface PageProps {
  params: Readonly<Record<string, string>>;
}

/** A side-nav group. */
export type NavSection = 'Networks' | 'DNS & SSL' | 'Access' | 'Account' | 'You';
export const NAV_SECTIONS: readonly NavSection[] = ['Networks', 'DNS & SSL', 'Access', 'Account', 'You'];

export interface RouteDef {
  /** "/tunnels/:id": segments matched whole, first match wins. */
  path: string;
  /** The side-nav text (and the page's default title). */
  title: string;
  /** The side-nav section it is listed in; false: reached by links only. */
  nav: NavSection | false;
  component: ComponentType<PageProps>;
}

/** The dashboard's pages, one line each. "/" goes to the first listed page. */
export const routes: readonly RouteDef[] = [
  { path: '/tunnels', title: 'Tunnels', nav: 'Networks', component: TunnelsPage },
  { path: '/tunnels/:id', title: 'Tunnel', nav: false, component: TunnelPage },
  { path: '/sessions', title: 'Sessions', nav: 'You', component: SessionsPage },
];
