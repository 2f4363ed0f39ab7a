import type { ComponentType } from 'react';
import { AccessAppPage } from './pages/access/access-app-page';
import { AccessAppsPage } from './pages/access/access-apps-page';
import { AccessGroupsPage } from './pages/access/access-groups-page';
import { AccessLogsPage } from './pages/access/access-logs-page';
import { AccessPoliciesPage } from './pages/access/access-policies-page';
import { AccessIdentityPage } from './pages/access/identity-page';
import { ServiceTokensPage } from './pages/access/service-tokens-page';
import { AuditPage } from './pages/audit/audit-page';
import { CertificatesPage } from './pages/certificates/certificates-page';
import { EdgeCertificatesPage } from './pages/certificates/edge-certificates-page';
import { DnsRecordsPage } from './pages/dns/dns-records-page';
import { DnsZonesPage } from './pages/dns/dns-zones-page';
import { MembersPage } from './pages/members/members-page';
import { TokensPage } from './pages/members/tokens-page';
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
  { path: '/dns', title: 'DNS', nav: 'DNS & SSL', component: DnsZonesPage },
  { path: '/dns/:zone', title: 'DNS records', nav: false, component: DnsRecordsPage },
  { path: '/certificates', title: 'Origin certificates', nav: 'DNS & SSL', component: CertificatesPage },
  { path: '/ssl', title: 'Edge certificates', nav: 'DNS & SSL', component: EdgeCertificatesPage },
  { path: '/access/apps', title: 'Applications', nav: 'Access', component: AccessAppsPage },
  { path: '/access/apps/:id', title: 'Application', nav: false, component: AccessAppPage },
  { path: '/access/policies', title: 'Policies', nav: 'Access', component: AccessPoliciesPage },
  { path: '/access/groups', title: 'Groups', nav: 'Access', component: AccessGroupsPage },
  { path: '/access/service-tokens', title: 'Service tokens', nav: 'Access', component: ServiceTokensPage },
  { path: '/access/settings', title: 'Settings', nav: 'Access', component: AccessIdentityPage },
  { path: '/access/identity', title: 'Access settings', nav: false, component: AccessIdentityPage },
  { path: '/access/logs', title: 'Access requests', nav: 'Access', component: AccessLogsPage },
  { path: '/audit', title: 'Audit log', nav: 'Account', component: AuditPage },
  { path: '/members', title: 'Members', nav: 'Account', component: MembersPage },
  { path: '/sessions', title: 'Sessions', nav: 'You', component: SessionsPage },
  { path: '/tokens', title: 'API tokens', nav: 'You', component: TokensPage },
];
