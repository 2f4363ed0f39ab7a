import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serviceSecretValid } from '../src/access/index.js';
import { PERMISSION_GROUPS, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

interface App {
  id: string;
  aud: string;
  domain: string;
  name: string;
  policies: { id: string; precedence: number; decision: string; reusable: boolean }[];
}
interface Policy {
  id: string;
  decision: string;
  precedence: number;
  include: unknown[];
}
interface Token {
  id: string;
  client_id: string;
  client_secret?: string;
  expires_at: string | null;
}

for (const dialect of DIALECTS) {
  describe(`Access API on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let A: string;
    let B: string;
    let tokenB: string;
    const acc = (a: string) => `/accounts/${a}/access`;

    before(async () => {
      h = await startControl(dialect);
      A = h.accountId;
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      B = (await h.store.identity.createAccount('tenant-b')).id;
      await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      assert.equal((await h.call('POST', '/zones', { account: { id: A }, name: 'corp.test' })).status, 200);
      assert.equal((await h.call('POST', '/zones', { account: { id: B }, name: 'other.test' }, tokenB)).status, 200);
    });
    after(async () => {
      await h?.close();
    });

    test('applications get a 64-hex aud, must lie in the account’s zones, and list their policies by precedence', async () => {
      const reusable = await h.call<Policy>('POST', `${acc(A)}/policies`, {
        name: 'staff',
        decision: 'allow',
        include: [{ email_domain: { domain: 'corp.test' } }],
      });
      assert.equal(reusable.status, 200);
      const created = await h.call<App>('POST', `${acc(A)}/apps`, {
        name: 'Admin',
        domain: 'App.Corp.test/admin',
        type: 'self_hosted',
        session_duration: '12h',
        policies: [{ id: reusable.json.result.id, precedence: 2 }],
      });
      assert.equal(created.status, 200, JSON.stringify(created.json.errors));
      const app = created.json.result;
      assert.match(app.aud, /^[0-9a-f]{64}$/);
      assert.equal(app.domain, 'app.corp.test/admin');
      const own = await h.call<Policy>('POST', `${acc(A)}/apps/${app.id}/policies`, {
        name: 'block contractor',
        decision: 'deny',
        include: [{ email: { email: 'eve@corp.test' } }],
        precedence: 1,
      });
      assert.equal(own.status, 200);
      const got = await h.call<App>('GET', `${acc(A)}/apps/${app.id}`);
      assert.deepEqual(
        got.json.result.policies.map((p) => [p.decision, p.precedence, p.reusable]),
        [
          ['deny', 1, false],
          ['allow', 2, true],
        ],
      );
      const foreign = await h.call('POST', `${acc(A)}/apps`, { domain: 'other.test' });
      assert.equal(foreign.status, 400, "an app on another account's zone is refused");
      const wildcard = await h.call<App>('POST', `${acc(A)}/apps`, { domain: '*.corp.test' });
      assert.equal(wildcard.status, 200);
      const badRule = await h.call('POST', `${acc(A)}/apps/${app.id}/policies`, {
        name: 'x',
        decision: 'allow',
        include: [{ geo: { country_code: 'FR' } }],
      });
      assert.equal(badRule.status, 400);
      assert.match(badRule.json.errors[0]?.message ?? '', /geo/);
      const list = await h.call<App[]>('GET', `${acc(A)}/apps`);
      assert.equal(list.json.result.length, 2);
      const put = await h.call<App>('PUT', `${acc(A)}/apps/${app.id}`, {
        domain: 'app.corp.test/admin',
        name: 'Renamed',
      });
      assert.equal(put.json.result.name, 'Renamed');
      assert.equal(put.json.result.aud, app.aud, 'the aud tag stays');
      assert.equal((await h.call('POST', `${acc(A)}/apps/${app.id}/revoke_tokens`)).status, 200);
      const del = await h.call('DELETE', `${acc(A)}/apps/${wildcard.json.result.id}`);
      assert.equal(del.status, 200);
      assert.equal((await h.call('GET', `${acc(A)}/apps/${wildcard.json.result.id}`)).status, 404);
      const audit = await h.call<{ action: { type: string } }[]>('GET', `/accounts/${A}/audit_logs?per_page=100`);
      const types = new Set(audit.json.result.map((e) => e.action.type));
      for (const t of [
        'access_app_create',
        'access_app_update',
        'access_app_delete',
        'access_policy_create',
        'access_app_revoke_tokens',
      ]) {
        assert.ok(types.has(t), `audited: ${t}`);
      }
    });

    test('service tokens: the secret is shown once and stored hashed; rotate keeps the old one for the grace period; delete ends it', async () => {
      const created = await h.call<Token>('POST', `${acc(A)}/service_tokens`, { name: 'ci' });
      assert.equal(created.status, 200);
      const t = created.json.result;
      const secret = t.client_secret ?? '';
      assert.match(secret, /^[0-9a-f]{64}$/);
      assert.match(t.client_id, /^[0-9a-f]{32}\.access$/);
      const read = await h.call<Token>('GET', `${acc(A)}/service_tokens/${t.id}`);
      assert.equal(read.json.result.client_secret, undefined, 'never shown again');
      const row = await h.store.access.serviceTokenByClientId(t.client_id);
      assert.ok(row !== undefined && !JSON.stringify(row).includes(secret), 'not stored in clear');
      const now = new Date();
      assert.equal(serviceSecretValid(row, secret, now), true);
      const rotated = await h.call<Token>('POST', `${acc(A)}/service_tokens/${t.id}/rotate`, {});
      const secret2 = rotated.json.result.client_secret ?? '';
      assert.notEqual(secret2, secret);
      const after = (await h.store.access.serviceTokenByClientId(t.client_id)) ?? row;
      assert.equal(serviceSecretValid(after, secret2, now), true);
      assert.equal(serviceSecretValid(after, secret, now), true, 'the old secret works during the grace period');
      assert.equal(
        serviceSecretValid(after, secret, new Date(now.getTime() + 25 * 3600_000)),
        false,
        '…and not after 24 hours',
      );
      assert.equal(serviceSecretValid(after, 'f'.repeat(64), now), false);
      assert.equal(
        serviceSecretValid(after, secret2, new Date(now.getTime() + 25 * 3600_000)),
        true,
        'the new one does',
      );
      const short = (await h.call<Token>('POST', `${acc(A)}/service_tokens`, { name: 'short', duration: '1h' })).json
        .result;
      const shortRow = await h.store.access.serviceTokenByClientId(short.client_id);
      assert.ok(shortRow !== undefined);
      assert.equal(serviceSecretValid(shortRow, short.client_secret ?? '', now), true);
      assert.equal(
        serviceSecretValid(shortRow, short.client_secret ?? '', new Date(now.getTime() + 2 * 3600_000)),
        false,
        'expired after its 1h duration',
      );
      const refreshed = await h.call<Token>('POST', `${acc(A)}/service_tokens/${t.id}/refresh`);
      assert.ok((refreshed.json.result.expires_at ?? '') >= (t.expires_at ?? ''));
      assert.equal((await h.call('DELETE', `${acc(A)}/service_tokens/${t.id}`)).status, 200);
      assert.equal(await h.store.access.serviceTokenByClientId(t.client_id), undefined, 'deleted at once');
    });

    test('identity providers keep client_secret sealed and out of answers; the organization names the team domain', async () => {
      const otp = await h.call<{ id: string; type: string }>('POST', `${acc(A)}/identity_providers`, {
        name: 'PIN',
        type: 'onetimepin',
        config: {},
      });
      assert.equal(otp.status, 200);
      const oidc = await h.call<{ id: string; config: Record<string, unknown> }>(
        'POST',
        `${acc(A)}/identity_providers`,
        {
          name: 'SSO',
          type: 'oidc',
          config: {
            client_id: 'cid',
            client_secret: 'super-secret-value',
            auth_url: 'https://idp.example.test/auth',
            token_url: 'https://idp.example.test/token',
            certs_url: 'https://idp.example.test/jwks',
          },
        },
      );
      assert.equal(oidc.status, 200);
      assert.equal(oidc.json.result.config.client_secret, '**********', 'redacted, as Cloudflare answers');
      const list = await h.call<unknown[]>('GET', `${acc(A)}/identity_providers`);
      assert.ok(!JSON.stringify(list.json).includes('super-secret-value'));
      const rows = await h.store.access.identityProviders(A);
      assert.ok(!JSON.stringify(rows).includes('super-secret-value'), 'sealed at rest');
      const missing = await h.call('POST', `${acc(A)}/identity_providers`, {
        name: 'x',
        type: 'oidc',
        config: { client_id: 'c' },
      });
      assert.equal(missing.status, 400);
      const org = await h.call<{ auth_domain: string }>('POST', `${acc(A)}/organizations`, {
        name: 'Corp',
        auth_domain: 'corp.access.warren.localhost',
      });
      assert.equal(org.status, 200);
      const taken = await h.call(
        'POST',
        `${acc(B)}/organizations`,
        { name: 'B', auth_domain: 'corp.access.warren.localhost' },
        tokenB,
      );
      assert.equal(taken.status, 409, 'a team domain belongs to one account');
      const bad = await h.call('PUT', `${acc(A)}/organizations`, { name: 'Corp', auth_domain: 'corp.evil.test' });
      assert.equal(bad.status, 400);
      const group = await h.call<{ id: string }>('POST', `${acc(A)}/groups`, {
        name: 'ops',
        include: [{ ip: { ip: '10.0.0.0/8' } }],
      });
      assert.equal(group.status, 200);
    });

    test('Access permission groups narrow a token: service tokens, apps and policies, organization each need their own', async () => {
      const admin = await h.store.identity.findUserByEmail(ADMIN_EMAIL);
      assert.ok(admin !== undefined);
      const tokenWith = async (name: string): Promise<string> => {
        const g = PERMISSION_GROUPS.find((x) => x.name === name);
        assert.ok(g !== undefined, name);
        const policies = [
          {
            id: `p-${g.id}`,
            effect: 'allow' as const,
            resources: { [`com.cloudflare.api.account.${A}`]: '*' },
            permission_groups: [{ id: g.id, name: g.name }],
          },
        ];
        return (await h.store.identity.createToken({ userId: admin.id, name, policies })).value;
      };
      const tokens = await tokenWith('Access: Service Tokens Write');
      const apps = await tokenWith('Access: Apps and Policies Write');
      const org = await tokenWith('Access: Organizations, Identity Providers, and Groups Write');
      assert.equal((await h.call('POST', `${acc(A)}/service_tokens`, { name: 'ok' }, tokens)).status, 200);
      assert.equal((await h.call('POST', `${acc(A)}/apps`, { domain: 'perm.corp.test' }, tokens)).status, 403);
      assert.equal((await h.call('POST', `${acc(A)}/service_tokens`, { name: 'no' }, apps)).status, 403);
      assert.equal((await h.call('POST', `${acc(A)}/apps`, { domain: 'perm.corp.test' }, apps)).status, 200);
      assert.equal(
        (await h.call('POST', `${acc(A)}/identity_providers`, { name: 'no', type: 'onetimepin', config: {} }, apps))
          .status,
        403,
      );
      assert.equal(
        (await h.call('POST', `${acc(A)}/groups`, { name: 'ok', include: [{ everyone: {} }] }, org)).status,
        200,
      );
      assert.equal((await h.call('GET', `${acc(A)}/apps`, undefined, org)).status, 403);
    });

    test("account B cannot read or change any of A's Access objects (404, and nothing changes)", async () => {
      const app = (await h.call<App>('POST', `${acc(A)}/apps`, { domain: 'iso.corp.test' })).json.result;
      const pol = (
        await h.call<Policy>('POST', `${acc(A)}/apps/${app.id}/policies`, {
          name: 'p',
          decision: 'allow',
          include: [{ everyone: {} }],
        })
      ).json.result;
      const reusable = (
        await h.call<Policy>('POST', `${acc(A)}/policies`, {
          name: 'r',
          decision: 'allow',
          include: [{ everyone: {} }],
        })
      ).json.result;
      const group = (
        await h.call<{ id: string }>('POST', `${acc(A)}/groups`, { name: 'g', include: [{ everyone: {} }] })
      ).json.result;
      const tok = (await h.call<Token>('POST', `${acc(A)}/service_tokens`, { name: 't' })).json.result;
      const idp = (
        await h.call<{ id: string }>('POST', `${acc(A)}/identity_providers`, {
          name: 'i',
          type: 'onetimepin',
          config: {},
        })
      ).json.result;
      const before = JSON.stringify(await h.call('GET', `${acc(A)}/apps/${app.id}`));
      const policyBody = { name: 'x', decision: 'allow', include: [{ everyone: {} }] };
      const probes: [string, string, unknown?][] = [
        ['GET', `${acc(A)}/keys`],
        ['PUT', `${acc(A)}/keys`, { key_rotation_interval_days: 1 }],
        ['POST', `${acc(A)}/keys/rotate`],
        ['GET', `${acc(A)}/apps`],
        ['POST', `${acc(A)}/apps`, { domain: 'iso2.corp.test' }],
        ['GET', `${acc(A)}/apps/${app.id}`],
        ['PUT', `${acc(A)}/apps/${app.id}`, { domain: 'iso.corp.test', name: 'pwned' }],
        ['DELETE', `${acc(A)}/apps/${app.id}`],
        ['POST', `${acc(A)}/apps/${app.id}/revoke_tokens`],
        ['GET', `${acc(A)}/apps/${app.id}/policies`],
        ['POST', `${acc(A)}/apps/${app.id}/policies`, policyBody],
        ['GET', `${acc(A)}/apps/${app.id}/policies/${pol.id}`],
        ['PUT', `${acc(A)}/apps/${app.id}/policies/${pol.id}`, policyBody],
        ['DELETE', `${acc(A)}/apps/${app.id}/policies/${pol.id}`],
        ['GET', `${acc(A)}/policies`],
        ['POST', `${acc(A)}/policies`, policyBody],
        ['GET', `${acc(A)}/policies/${reusable.id}`],
        ['PUT', `${acc(A)}/policies/${reusable.id}`, policyBody],
        ['DELETE', `${acc(A)}/policies/${reusable.id}`],
        ['GET', `${acc(A)}/groups`],
        ['POST', `${acc(A)}/groups`, { name: 'g', include: [{ everyone: {} }] }],
        ['GET', `${acc(A)}/groups/${group.id}`],
        ['PUT', `${acc(A)}/groups/${group.id}`, { name: 'g', include: [{ everyone: {} }] }],
        ['DELETE', `${acc(A)}/groups/${group.id}`],
        ['GET', `${acc(A)}/service_tokens`],
        ['POST', `${acc(A)}/service_tokens`, { name: 'x' }],
        ['GET', `${acc(A)}/service_tokens/${tok.id}`],
        ['PUT', `${acc(A)}/service_tokens/${tok.id}`, { name: 'x' }],
        ['POST', `${acc(A)}/service_tokens/${tok.id}/refresh`],
        ['POST', `${acc(A)}/service_tokens/${tok.id}/rotate`, {}],
        ['DELETE', `${acc(A)}/service_tokens/${tok.id}`],
        ['GET', `${acc(A)}/identity_providers`],
        ['POST', `${acc(A)}/identity_providers`, { name: 'x', type: 'onetimepin', config: {} }],
        ['GET', `${acc(A)}/identity_providers/${idp.id}`],
        ['PUT', `${acc(A)}/identity_providers/${idp.id}`, { name: 'x', type: 'onetimepin', config: {} }],
        ['DELETE', `${acc(A)}/identity_providers/${idp.id}`],
        ['GET', `${acc(A)}/organizations`],
        ['PUT', `${acc(A)}/organizations`, { name: 'x', auth_domain: 'steal.access.warren.localhost' }],
        // B's own account, A's ids: still invisible.
        ['GET', `${acc(B)}/apps/${app.id}`],
        ['DELETE', `${acc(B)}/apps/${app.id}`],
        ['GET', `${acc(B)}/policies/${reusable.id}`],
        ['DELETE', `${acc(B)}/service_tokens/${tok.id}`],
        ['DELETE', `${acc(B)}/identity_providers/${idp.id}`],
        ['DELETE', `${acc(B)}/groups/${group.id}`],
        ['POST', `${acc(B)}/apps`, { domain: 'iso.corp.test' }],
        ['POST', `${acc(B)}/apps`, { domain: 'x.other.test', policies: [reusable.id] }],
      ];
      for (const [method, url, body] of probes) {
        const r = await h.call(method, url, body, tokenB);
        assert.ok([400, 403, 404].includes(r.status), `${method} ${url} as B → ${r.status}`);
      }
      assert.equal(JSON.stringify(await h.call('GET', `${acc(A)}/apps/${app.id}`)), before, "A's app is unchanged");
      assert.equal((await h.call('GET', `${acc(A)}/service_tokens/${tok.id}`)).status, 200);
      assert.equal((await h.call('GET', `${acc(A)}/groups/${group.id}`)).status, 200);
      assert.equal((await h.call('GET', `${acc(A)}/identity_providers/${idp.id}`)).status, 200);
      assert.equal(
        (await h.call<{ auth_domain: string }>('GET', `${acc(A)}/organizations`)).json.result.auth_domain,
        'corp.access.warren.localhost',
      );
    });
  });
}
