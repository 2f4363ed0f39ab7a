/** The API's Access shapes (src/control/access-*-routes.ts), as the pages read them. */
export type Rule = Record<string, Record<string, string>>;

export interface AccessApp {
  id: string;
  aud: string;
  name?: string;
  domain: string;
  type?: string;
  session_duration?: string;
  policies: AccessPolicy[];
}

export interface AccessPolicy {
  id: string;
  name: string;
  decision: 'allow' | 'deny' | 'non_identity' | 'bypass';
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
  precedence: number;
}

export interface AccessGroup {
  id: string;
  name: string;
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
}

export interface ServiceToken {
  id: string;
  name: string;
  client_id: string;
  duration: string;
  /** null: never expires. */
  expires_at: string | null;
}

export interface IdentityProvider {
  id: string;
  name: string;
  type: string;
}
