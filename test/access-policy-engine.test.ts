import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AccessGroupDef,
  type AccessIdentity,
  type AccessPolicyDef,
  type AccessRule,
  evaluatePolicies,
  matchApp,
  parseAppDomain,
} from '../src/access/index.js';

const everyone: AccessRule = { everyone: {} };
const email = (e: string): AccessRule => ({ email: { email: e } });
const domain = (d: string): AccessRule => ({ email_domain: { domain: d } });
const ip = (r: string): AccessRule => ({ ip: { ip: r } });
const group = (id: string): AccessRule => ({ group: { id } });
let n = 0;
const policy = (
  decision: AccessPolicyDef['decision'],
  include: AccessRule[],
  o: { require?: AccessRule[]; exclude?: AccessRule[]; precedence?: number; id?: string } = {},
): AccessPolicyDef => ({
  id: o.id ?? `p${++n}`,
  decision,
  precedence: o.precedence ?? n,
  include,
  require: o.require ?? [],
  exclude: o.exclude ?? [],
});

const GROUPS: Record<string, AccessGroupDef> = {
  admins: { id: 'admins', include: [email('root@corp.test')], require: [], exclude: [] },
  office: { id: 'office', include: [ip('10.0.0.0/8'), ip('2001:db8::/32')], require: [], exclude: [] },
  loop: { id: 'loop', include: [group('loop')], require: [], exclude: [] },
};

const alice: AccessIdentity = { ip: '203.0.113.5', email: 'alice@corp.test', loginMethod: 'otp' };
const root: AccessIdentity = {
  ip: '10.1.2.3',
  email: 'root@corp.test',
  loginMethod: 'okta',
  oidcClaims: { groups: ['ops', 'dev'] },
};
const svc: AccessIdentity = { ip: '198.51.100.7', serviceTokenId: 'tok1' };
const anon: AccessIdentity = { ip: '198.51.100.8' };

interface Row {
  name: string;
  policies: AccessPolicyDef[];
  who: AccessIdentity;
  want: AccessPolicyDef['decision'];
  by?: string;
}

const TABLE: Row[] = [
  { name: 'no policies: deny by default', policies: [], who: alice, want: 'deny' },
  {
    name: 'include everyone allows a signed-in user',
    policies: [policy('allow', [everyone])],
    who: alice,
    want: 'allow',
  },
  {
    name: 'include everyone does not allow an anonymous visitor',
    policies: [policy('allow', [everyone])],
    who: anon,
    want: 'deny',
  },
  {
    name: 'include is OR',
    policies: [policy('allow', [email('x@corp.test'), domain('corp.test')])],
    who: alice,
    want: 'allow',
  },
  {
    name: 'email matching ignores case',
    policies: [policy('allow', [email('ALICE@corp.test')])],
    who: alice,
    want: 'allow',
  },
  {
    name: 'email_domain is not a suffix match of the domain',
    policies: [policy('allow', [domain('rp.test')])],
    who: alice,
    want: 'deny',
  },
  {
    name: 'require is AND',
    policies: [policy('allow', [domain('corp.test')], { require: [ip('10.0.0.0/8')] })],
    who: alice,
    want: 'deny',
  },
  {
    name: 'require passes when every rule matches',
    policies: [
      policy('allow', [domain('corp.test')], { require: [ip('10.0.0.0/8'), { login_method: { id: 'okta' } }] }),
    ],
    who: root,
    want: 'allow',
  },
  {
    name: 'exclude is NOT',
    policies: [policy('allow', [domain('corp.test')], { exclude: [email('alice@corp.test')] })],
    who: alice,
    want: 'deny',
  },
  {
    name: 'allow and deny: the first match by precedence ends evaluation (deny first)',
    policies: [
      policy('allow', [everyone], { precedence: 2 }),
      policy('deny', [email('alice@corp.test')], { precedence: 1, id: 'd' }),
    ],
    who: alice,
    want: 'deny',
    by: 'd',
  },
  {
    name: 'allow and deny: the first match by precedence ends evaluation (allow first)',
    policies: [
      policy('allow', [everyone], { precedence: 1, id: 'a' }),
      policy('deny', [email('alice@corp.test')], { precedence: 2 }),
    ],
    who: alice,
    want: 'allow',
    by: 'a',
  },
  {
    name: 'bypass is evaluated before allow/deny whatever its precedence',
    policies: [
      policy('deny', [everyone], { precedence: 1 }),
      policy('bypass', [ip('203.0.113.0/24')], { precedence: 9, id: 'b' }),
    ],
    who: alice,
    want: 'bypass',
    by: 'b',
  },
  {
    name: 'bypass lets an anonymous visitor through',
    policies: [policy('bypass', [everyone])],
    who: anon,
    want: 'bypass',
  },
  {
    name: 'a service token gets in through a matching non_identity policy',
    policies: [policy('non_identity', [{ service_token: { token_id: 'tok1' } }], { id: 'n' })],
    who: svc,
    want: 'non_identity',
    by: 'n',
  },
  {
    name: 'a service token is not allowed by an allow policy, even include everyone',
    policies: [policy('allow', [everyone]), policy('allow', [{ any_valid_service_token: {} }])],
    who: svc,
    want: 'deny',
  },
  {
    name: 'another service token does not match service_token',
    policies: [policy('non_identity', [{ service_token: { token_id: 'tok2' } }])],
    who: svc,
    want: 'deny',
  },
  {
    name: 'any_valid_service_token matches any service token',
    policies: [policy('non_identity', [{ any_valid_service_token: {} }])],
    who: svc,
    want: 'non_identity',
  },
  {
    name: 'a non_identity policy never matches on identity rules',
    policies: [policy('non_identity', [email('alice@corp.test')])],
    who: alice,
    want: 'deny',
  },
  { name: 'group by rules', policies: [policy('allow', [group('admins')])], who: root, want: 'allow' },
  { name: 'group not matched', policies: [policy('allow', [group('admins')])], who: alice, want: 'deny' },
  {
    name: 'group of IPv6 ranges',
    policies: [policy('allow', [group('office')])],
    who: { ...alice, ip: '2001:db8::1' },
    want: 'allow',
  },
  {
    name: 'IPv4-mapped IPv6 address matches an IPv4 range',
    policies: [policy('allow', [ip('10.0.0.0/8')])],
    who: { ...alice, ip: '::ffff:10.9.9.9' },
    want: 'allow',
  },
  { name: 'an unknown group matches nothing', policies: [policy('allow', [group('nope')])], who: root, want: 'deny' },
  {
    name: 'a group naming itself does not recurse forever',
    policies: [policy('allow', [group('loop')])],
    who: root,
    want: 'deny',
  },
  {
    name: 'a malformed CIDR matches nothing',
    policies: [policy('allow', [ip('10.0.0.0/99')])],
    who: root,
    want: 'deny',
  },
  { name: 'a single address without prefix', policies: [policy('allow', [ip('10.1.2.3')])], who: root, want: 'allow' },
  {
    name: 'oidc claim in an array',
    policies: [policy('allow', [{ oidc: { claim_name: 'groups', claim_value: 'ops', identity_provider_id: 'okta' } }])],
    who: root,
    want: 'allow',
  },
  {
    name: 'oidc claim of another identity provider',
    policies: [
      policy('allow', [{ oidc: { claim_name: 'groups', claim_value: 'ops', identity_provider_id: 'azure' } }]),
    ],
    who: root,
    want: 'deny',
  },
  { name: 'login_method', policies: [policy('allow', [{ login_method: { id: 'otp' } }])], who: alice, want: 'allow' },
];

for (const row of TABLE) {
  test(`policy: ${row.name}`, () => {
    const v = evaluatePolicies(row.policies, row.who, (id) => GROUPS[id]);
    assert.equal(v.decision, row.want);
    if (row.by !== undefined) assert.equal(v.policyId, row.by);
  });
}

const APPS = [
  'app.example.com',
  'app.example.com/admin',
  '*.example.com',
  '*.deep.example.com',
  'other.test/api/v1',
].map((d) => ({ name: d, domain: parseAppDomain(d) }));

const MATCHES: [string, string, string | undefined][] = [
  ['app.example.com', '/', 'app.example.com'],
  ['APP.example.com:443', '/x', 'app.example.com'],
  ['app.example.com', '/admin', 'app.example.com/admin'],
  ['app.example.com', '/Admin/users?x=1', 'app.example.com/admin'],
  ['app.example.com', '/administrator', 'app.example.com'],
  ['www.example.com', '/', '*.example.com'],
  ['a.b.example.com', '/', '*.example.com'],
  ['x.deep.example.com', '/', '*.deep.example.com'],
  ['example.com', '/', undefined],
  ['evil-example.com', '/', undefined],
  ['other.test', '/api/v1/things', 'other.test/api/v1'],
  ['other.test', '/api/v2', undefined],
];

for (const [host, path, want] of MATCHES) {
  test(`app match: ${host}${path} → ${want ?? 'none'}`, () => {
    assert.equal(matchApp(APPS, host, path)?.name, want);
  });
}
