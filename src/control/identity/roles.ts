/** Access's scopes: the Access Editor role holds these and no others of its own. */
const ACCESS_SCOPES = [
  'access:read',
  'access:write',
  'access_tokens:read',
  'access_tokens:write',
  'access_org:read',
  'access_org:write',
] as const;

const ALL = [
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
  ...ACCESS_SCOPES,
] as const;

/** What a request needs. Roles grant scopes in one account; token policies can only narrow them. */
export type Scope = (typeof ALL)[number];

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
    ...ACCESS_SCOPES,
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

type Writable = Extract<Scope, `${string}:write`> extends `${infer R}:write` ? R : never;
const ACCOUNT = 'com.cloudflare.api.account';
const ZONE = 'com.cloudflare.api.account.zone';

/**
 * A "NAME Read" / "NAME Write" pair: Read grants `base` + `RESOURCE:read`, Write adds
 * `RESOURCE:write`. One row per resource so the two halves cannot drift apart.
 */
function readWrite(
  readId: string,
  writeId: string,
  name: string,
  scope: PermissionGroup['scope'],
  base: readonly Scope[],
  resource: Writable,
): PermissionGroup[] {
  const readScope: Scope = `${resource}:read`;
  const writeScope: Scope = `${resource}:write`;
  const read = [...base, readScope];
  return [group(readId, `${name} Read`, scope, read), group(writeId, `${name} Write`, scope, [...read, writeScope])];
}

/** Token permission groups (Cloudflare's names; ids fixed). */
export const PERMISSION_GROUPS: readonly PermissionGroup[] = [
  ...readWrite(
    'c1fde68c7bcc44588cbb6ddbc16d6480',
    '1af1fa2adc104452b74a9a3364202f20',
    'Account Settings',
    ACCOUNT,
    [],
    'account',
  ),
  ...readWrite(
    '3518d0f75557482e952c6762d3e64903',
    '5bc3f8b21c554832afc660159ab75fa4',
    'Account Memberships',
    ACCOUNT,
    ['account:read'],
    'members',
  ),
  ...readWrite('c8fed203ed3043cba015a93ad1616f1f', 'e6d2666161e84845a636613608cee8d5', 'Zone', ZONE, [], 'zone'),
  ...readWrite(
    '82e64a83756745bbbb1c9c2701bf816b',
    '4755a26eedb94da69e1066d98aa820be',
    'DNS',
    ZONE,
    ['zone:read'],
    'dns',
  ),
  ...readWrite(
    'efea2ab8357b47888938f101ae5e053f',
    'c07321b023e944ff818fec44d8203567',
    'Cloudflare Tunnel',
    ACCOUNT,
    ['account:read'],
    'tunnel',
  ),
  group('b89a480218d04ceb98b4fe57ca29dc1f', 'Access: Audit Logs Read', ACCOUNT, ['account:read', 'audit:read']),
  ...readWrite(
    '7ea222f6d5064cfa89ea366d7c1fee89',
    '959972745952452f8be2452be8cbb9f2',
    'Access: Apps and Policies',
    ACCOUNT,
    ['account:read'],
    'access',
  ),
  ...readWrite(
    '3f376c8e6f764a938b848bd01e8995c4',
    'a1c0fec57cf94af79479a6d827fa518c',
    'Access: Service Tokens',
    ACCOUNT,
    ['account:read'],
    'access_tokens',
  ),
  ...readWrite(
    '26bc23f853634eb4bff59983b9064fde',
    'bfe0d8686a584fa680f4c53b5eb0de6d',
    'Access: Organizations, Identity Providers, and Groups',
    ACCOUNT,
    ['account:read'],
    'access_org',
  ),
  group('0cc3a61731504c89b99ec1be78b77aa0', 'API Tokens Read', 'com.cloudflare.api.user', [], 'read'),
  group('686d18d5ac6c441c867cbf6771e58a0a', 'API Tokens Write', 'com.cloudflare.api.user', [], 'write'),
];

const GROUP_BY_ID = new Map(PERMISSION_GROUPS.map((g) => [g.id, g]));

export function permissionGroupById(id: string): PermissionGroup | undefined {
  return GROUP_BY_ID.get(id);
}
