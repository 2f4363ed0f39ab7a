/** The API's member, role and token shapes (src/control/account-routes.ts, user-routes.ts). */
export interface Role {
  id: string;
  name: string;
  description: string;
}

export interface Member {
  id: string;
  user: { id: string; email: string; service_user: boolean };
  status: 'accepted' | 'pending' | 'rejected';
  roles: Role[];
}

export interface PermissionGroup {
  id: string;
  name: string;
  scopes: string[];
}

export interface ApiToken {
  id: string;
  name: string;
  status: 'active' | 'disabled' | 'expired';
  issued_on: string;
  last_used_on: string | null;
  expires_on: string | null;
  policies: {
    id: string;
    effect: string;
    permission_groups: { id: string; name: string }[];
    resources: Record<string, string>;
  }[];
}
