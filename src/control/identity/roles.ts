/** What a request needs. Roles grant scopes in one account; token policies can only narrow them. */
export type Scope =
  | 'account:read'
  | 'account:write'
  | 'members:read'
  | 'members:write'
  | 'zone:read'
  | 'zone:write'
  | 'dns:read'
  | 'dns:write'
  | 'tunnel:read'
  | 'tunnel:write'
  | 'audit:read'
  | 'access:read'
  | 'access:write'
  | 'access_tokens:read'
  | 'access_tokens:write'
  | 'access_org:read'
  | 'access_org:write';

const ALL: readonly Scope[] = [
  'account:read',
  'account:write',
  'members:read',
  'members:write',
  'zone:read',
  'zone:write',
  'dns:read',
  'dns:write',
  'tunnel:read',
  'tunnel:write',
  'audit:read',
  'access:read',
  'access:write',
  'access_tokens:read',
  'access_tokens:write',
  'access_org:read',
  'access_org:write',
];
const READ: readonly Scope[] = ALL.filter((s) => s.endsWith(':read'));

export interface Role {
  id: string;
  name: string;
  description: string;
  scopes: ReadonlySet<Scope>;
}

function role(id: string, name: string, description: string, scopes: readonly Scope[]): Role {
  return { id, name, description, scopes: new Set(scopes) };
}

export const SUPER_ADMIN_ROLE_ID = '33666b9c79b9a5273fc7344ff42f953d';

/** Account roles, with Cloudflare's names; ids are fixed so scripts can hard-code them. */
export const ROLES: readonly Role[] = [
  role(
    SUPER_ADMIN_ROLE_ID,
    'Super Administrator - All Privileges',
    'Can edit any setting, including super administrators',
    ALL,
  ),
  role(
    '05784afa30c1afe1440e79d9351c7430',
    'Administrator',
    'Can access the full account, except granting super administrator',
    ALL,
  ),
  role(
    'e58cefd75d7adae0b761796c28815e5c',
    'Administrator Read Only',
    'Can access the full account in read-only mode',
    READ,
  ),
  role('cd1e4bbb4b0fdff1b0fc2c2b3ee4d7a3', 'Audit Logs Viewer', 'Can view the audit log', [
    'account:read',
    'audit:read',
  ]),
  role('4e5d5a3ab9c2bcd8d4f37e1d0cf0c7ea', 'DNS', 'Can view and edit zones and DNS records', [
    'account:read',
    'zone:read',
    'dns:read',
    'dns:write',
  ]),
  role('db0d2a4f2f8e8e9ff3a1b0e2cb1c1a51', 'Cloudflare Tunnel Editor', 'Can create, run, route and delete tunnels', [
    'account:read',
    'zone:read',
    'dns:read',
    'dns:write',
    'tunnel:read',
    'tunnel:write',
  ]),
  role('8b47d2786a534c08a1e94ee8f9f599ef', 'Cloudflare Access Editor', 'Can edit Access applications and policies', [
    'account:read',
    'zone:read',
    'access:read',
    'access:write',
    'access_tokens:read',
    'access_tokens:write',
    'access_org:read',
    'access_org:write',
  ]),
];

const BY_ID = new Map(ROLES.map((r) => [r.id, r]));

export function roleById(id: string): Role | undefined {
  return BY_ID.get(id);
}

export function scopesOfRoles(roleIds: readonly string[]): Set<Scope> {
  const out = new Set<Scope>();
  for (const id of roleIds) for (const s of BY_ID.get(id)?.scopes ?? []) out.add(s);
  return out;
}

export interface PermissionGroup {
  id: string;
  name: string;
  /** Where it applies: account (and its zones), zone, or the user. */
  scope: 'com.cloudflare.api.account' | 'com.cloudflare.api.account.zone' | 'com.cloudflare.api.user';
  grants: readonly Scope[];
  /** Token management (user level). */
  tokens?: 'read' | 'write';
}

function group(
  id: string,
  name: string,
  scope: PermissionGroup['scope'],
  grants: readonly Scope[],
  tokens?: 'read' | 'write',
): PermissionGroup {
  return tokens === undefined ? { id, name, scope, grants } : { id, name, scope, grants, tokens };
}

/** Token permission groups (Cloudflare's names; ids fixed). */
export const PERMISSION_GROUPS: readonly PermissionGroup[] = [
  group('c1fde68c7bcc44588cbb6ddbc16d6480', 'Account Settings Read', 'com.cloudflare.api.account', ['account:read']),
  group('1af1fa2adc104452b74a9a3364202f20', 'Account Settings Write', 'com.cloudflare.api.account', [
    'account:read',
    'account:write',
  ]),
  group('3518d0f75557482e952c6762d3e64903', 'Account Memberships Read', 'com.cloudflare.api.account', [
    'account:read',
    'members:read',
  ]),
  group('5bc3f8b21c554832afc660159ab75fa4', 'Account Memberships Write', 'com.cloudflare.api.account', [
    'account:read',
    'members:read',
    'members:write',
  ]),
  group('c8fed203ed3043cba015a93ad1616f1f', 'Zone Read', 'com.cloudflare.api.account.zone', ['zone:read']),
  group('e6d2666161e84845a636613608cee8d5', 'Zone Write', 'com.cloudflare.api.account.zone', [
    'zone:read',
    'zone:write',
  ]),
  group('82e64a83756745bbbb1c9c2701bf816b', 'DNS Read', 'com.cloudflare.api.account.zone', ['zone:read', 'dns:read']),
  group('4755a26eedb94da69e1066d98aa820be', 'DNS Write', 'com.cloudflare.api.account.zone', [
    'zone:read',
    'dns:read',
    'dns:write',
  ]),
  group('efea2ab8357b47888938f101ae5e053f', 'Cloudflare Tunnel Read', 'com.cloudflare.api.account', [
    'account:read',
    'tunnel:read',
  ]),
  group('c07321b023e944ff818fec44d8203567', 'Cloudflare Tunnel Write', 'com.cloudflare.api.account', [
    'account:read',
    'tunnel:read',
    'tunnel:write',
  ]),
  group('b89a480218d04ceb98b4fe57ca29dc1f', 'Access: Audit Logs Read', 'com.cloudflare.api.account', [
    'account:read',
    'audit:read',
  ]),
  group('7ea222f6d5064cfa89ea366d7c1fee89', 'Access: Apps and Policies Read', 'com.cloudflare.api.account', [
    'account:read',
    'access:read',
  ]),
  group('959972745952452f8be2452be8cbb9f2', 'Access: Apps and Policies Write', 'com.cloudflare.api.account', [
    'account:read',
    'access:read',
    'access:write',
  ]),
  group('3f376c8e6f764a938b848bd01e8995c4', 'Access: Service Tokens Read', 'com.cloudflare.api.account', [
    'account:read',
    'access_tokens:read',
  ]),
  group('a1c0fec57cf94af79479a6d827fa518c', 'Access: Service Tokens Write', 'com.cloudflare.api.account', [
    'account:read',
    'access_tokens:read',
    'access_tokens:write',
  ]),
  group(
    '26bc23f853634eb4bff59983b9064fde',
    'Access: Organizations, Identity Providers, and Groups Read',
    'com.cloudflare.api.account',
    ['account:read', 'access_org:read'],
  ),
  group(
    'bfe0d8686a584fa680f4c53b5eb0de6d',
    'Access: Organizations, Identity Providers, and Groups Write',
    'com.cloudflare.api.account',
    ['account:read', 'access_org:read', 'access_org:write'],
  ),
  group('0cc3a61731504c89b99ec1be78b77aa0', 'API Tokens Read', 'com.cloudflare.api.user', [], 'read'),
  group('686d18d5ac6c441c867cbf6771e58a0a', 'API Tokens Write', 'com.cloudflare.api.user', [], 'write'),
];

const GROUP_BY_ID = new Map(PERMISSION_GROUPS.map((g) => [g.id, g]));

export function permissionGroupById(id: string): PermissionGroup | undefined {
  return GROUP_BY_ID.get(id);
}
