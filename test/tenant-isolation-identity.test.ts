import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createUserWithToken,
  globalApiKey,
  PERMISSION_GROUPS,
  ROLES,
  rollUserKey,
  SUPER_ADMIN_ROLE_ID,
} from '../src/control/index.js';
import { parseOriginCertBundle } from '../src/pki/index.js';
import { hashToken, Store } from '../src/store/index.js';
import { narrowLegacyLoginTokens } from '../src/store/schema/legacy-login-tokens.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { ZoneResult } from './support/control-types.js';

/**
 * A second tenant (Bob, super administrator of account B) plays membership games against the
 * admin of account A, and tokens try to mint more than they have.
 */

interface Member {
  id: string;
  status: string;
  user: { email: string };
}
interface Audit {
  action: { type: string };
  metadata: Record<string, unknown>;
}

const OPERATOR = { interface: 'warren admin', ip: '127.0.0.1' } as const;
const group = (name: string) => {
  const g = PERMISSION_GROUPS.find((x) => x.name === name);
  assert.ok(g, name);
  return { id: g.id };
};
const roleId = (name: string) => ROLES.find((r) => r.name === name)?.id as string;

for (const dialect of DIALECTS) {
  describe(`tenant isolation of identities on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let accountB: string;
    let bob: string;
    let zoneA: ZoneResult;
    let zoneA2: ZoneResult;

    /** A fresh cert.pem of the admin for zone A; its token. */
    const certPemToken = async (zone = 'alice.test'): Promise<string> => {
      const r = await h.call<{ cert_pem: string }>('POST', '/login/bundle', { zone });
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      return parseOriginCertBundle(r.json.result.cert_pem, 'cert.pem').token.apiToken;
    };
    const works = async (token: string) =>
      (await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, token)).status;
    const invite = async (email: string, roles = [SUPER_ADMIN_ROLE_ID]) => {
      const r = await h.call<Member>('POST', `/accounts/${accountB}/members`, { email, roles }, bob);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      return r.json.result;
    };
    const auditTypes = async (account: string, token?: string) =>
      (await h.call<Audit[]>('GET', `/accounts/${account}/audit_logs?per_page=1000`, undefined, token)).json.result;

    before(async () => {
      h = await startControl(dialect);
      const b = await createUserWithToken(
        h.store,
        { email: 'bob@tenant-b.test', accountName: 'tenant-b', tokenName: 'bob' },
        OPERATOR,
      );
      bob = b.token;
      accountB = b.account.id;
      zoneA = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'alice.test' })).json
        .result;
      zoneA2 = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'other-a.test' })).json
        .result;
      assert.ok(zoneA.id && zoneA2.id);
    });
    after(async () => h?.close());

    test('an invitation from another account grants nothing and leaves the invitee cert.pem working, however often it is repeated', async () => {
      const cert = await certPemToken();
      for (let round = 0; round < 3; round++) {
        const m = await invite(ADMIN_EMAIL);
        assert.equal(m.status, 'pending');
        assert.equal(await works(cert), 200, `round ${round}: the invitation rolled the key`);
        // Pending: account B, its members and its audit log stay invisible to the invitee.
        assert.equal((await h.call('GET', `/accounts/${accountB}`)).status, 404);
        assert.equal((await h.call('GET', `/accounts/${accountB}/members`)).status, 404);
        assert.equal((await h.call('GET', `/accounts/${accountB}/audit_logs`)).status, 404);
        assert.equal((await h.call('DELETE', `/accounts/${accountB}/members/${m.id}`, undefined, bob)).status, 200);
        assert.equal(await works(cert), 200, `round ${round}: withdrawing the invitation rolled the key`);
      }
      const mine = await auditTypes(h.accountId);
      const told = mine.filter((e) => e.action.type === 'member_invited_elsewhere');
      assert.equal(told.length, 3, "A's audit log records each invitation to B");
      assert.equal(told[0]?.metadata.account_id, accountB);
      assert.equal(mine.filter((e) => e.action.type === 'member_invite_withdrawn_elsewhere').length, 3);
      const theirs = (await auditTypes(accountB, bob)).map((e) => e.action.type);
      assert.equal(theirs.filter((t) => t === 'member_invite').length, 3);
      assert.equal(theirs.filter((t) => t === 'member_remove').length, 3);
    });

    test('an account cannot skip the invitation: status "accepted" in the request is ignored', async () => {
      const cert = await certPemToken();
      const body = { email: ADMIN_EMAIL, roles: [SUPER_ADMIN_ROLE_ID], status: 'accepted' };
      const r = await h.call<Member>('POST', `/accounts/${accountB}/members`, body, bob);
      assert.equal(r.json.result.status, 'pending');
      const put = await h.call<Member>(
        'PUT',
        `/accounts/${accountB}/members/${r.json.result.id}`,
        { roles: body.roles, status: 'accepted' },
        bob,
      );
      assert.equal(put.json.result.status, 'pending');
      assert.equal((await h.call('GET', `/accounts/${accountB}`)).status, 404);
      assert.equal(await works(cert), 200);
      await h.call('DELETE', `/accounts/${accountB}/members/${r.json.result.id}`, undefined, bob);
    });

    test('role changes of a pending member roll nothing; a pending super administrator does not count as one', async () => {
      const cert = await certPemToken();
      const m = await invite(ADMIN_EMAIL);
      const changed = await h.call('PUT', `/accounts/${accountB}/members/${m.id}`, { roles: [roleId('DNS')] }, bob);
      assert.equal(changed.status, 200, JSON.stringify(changed.json.errors));
      assert.equal(await works(cert), 200);
      await h.call('PUT', `/accounts/${accountB}/members/${m.id}`, { roles: [SUPER_ADMIN_ROLE_ID] }, bob);
      const bobs = (await h.call<Member[]>('GET', `/accounts/${accountB}/members`, undefined, bob)).json.result.find(
        (x) => x.user.email === 'bob@tenant-b.test',
      ) as Member;
      const demote = await h.call('PUT', `/accounts/${accountB}/members/${bobs.id}`, { roles: [roleId('DNS')] }, bob);
      assert.equal(demote.status, 400);
      assert.match(demote.json.errors[0]?.message ?? '', /last super administrator/);
      await h.call('DELETE', `/accounts/${accountB}/members/${m.id}`, undefined, bob);
    });

    test("nobody answers someone else's invitation; the invitee's acceptance rolls their key and both accounts record it", async () => {
      const cert = await certPemToken();
      const m = await invite(ADMIN_EMAIL, [roleId('DNS')]);
      for (const [method, url] of [
        ['PUT', `/memberships/${m.id}`],
        ['PATCH', `/memberships/${m.id}`],
        ['PATCH', `/user/invites/${m.id}`],
      ] as const) {
        const r = await h.call(method, url, { status: 'accepted' }, bob);
        assert.equal(r.status, 404, `${method} ${url} by the inviter`);
      }
      // A scoped token (cert.pem's) cannot accept for its user either.
      assert.equal((await h.call('PATCH', `/user/invites/${m.id}`, { status: 'accepted' }, cert)).status, 403);
      const invites = await h.call<{ id: string; organization_id: string; status: string }[]>('GET', '/user/invites');
      assert.deepEqual(
        invites.json.result.map((i) => [i.id, i.organization_id, i.status]),
        [[m.id, accountB, 'pending']],
      );
      const accepted = await h.call<{ status: string }>('PATCH', `/user/invites/${m.id}`, { status: 'accepted' });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json.errors));
      assert.equal(accepted.json.result.status, 'accepted');
      const stale = await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, cert);
      assert.equal(stale.json.errors[0]?.warren_code, 'WARREN_API_KEY_ROLLED');
      assert.equal((await h.call('GET', `/accounts/${accountB}`)).status, 200);
      const memberships = await h.call<{ account: { id: string }; status: string }[]>('GET', '/memberships');
      assert.ok(memberships.json.result.some((x) => x.account.id === accountB && x.status === 'accepted'));
      const mine = (await auditTypes(h.accountId)).map((e) => e.action.type);
      assert.ok(mine.includes('member_join_elsewhere') && mine.includes('api_key_roll'));
      assert.ok((await auditTypes(accountB, bob)).some((e) => e.action.type === 'member_accept'));
      // Leaving again rolls nothing.
      const cert2 = await certPemToken();
      assert.equal((await h.call('DELETE', `/memberships/${m.id}`)).status, 200);
      assert.equal(await works(cert2), 200);
    });

    test('a rejected invitation grants nothing, and the account may invite again', async () => {
      const m = await invite(ADMIN_EMAIL);
      const r = await h.call<{ status: string }>('PUT', `/memberships/${m.id}`, { status: 'rejected' });
      assert.equal(r.json.result.status, 'rejected');
      assert.equal((await h.call('GET', `/accounts/${accountB}`)).status, 404);
      assert.equal((await h.call('PUT', `/memberships/${m.id}`, { status: 'accepted' })).status, 409);
      assert.ok((await auditTypes(h.accountId)).some((e) => e.action.type === 'member_reject_elsewhere'));
      assert.ok((await auditTypes(accountB, bob)).some((e) => e.action.type === 'member_reject'));
      const again = await invite(ADMIN_EMAIL);
      assert.equal(again.status, 'pending');
      await h.call('DELETE', `/accounts/${accountB}/members/${again.id}`, undefined, bob);
    });

    test('inviting an address with no user does not stop `warren admin create-user` for it; the invitation then waits for them', async () => {
      const m = await invite('newcomer@example.test');
      const made = await createUserWithToken(
        h.store,
        { email: 'newcomer@example.test', accountName: 'newcomer', tokenName: 'cli' },
        OPERATOR,
      );
      const invites = await h.call<{ id: string; status: string }[]>('GET', '/user/invites', undefined, made.token);
      assert.deepEqual(
        invites.json.result.map((i) => [i.id, i.status]),
        [[m.id, 'pending']],
      );
      assert.equal((await h.call('GET', `/accounts/${accountB}`, undefined, made.token)).status, 404);
    });

    test("an invitation cannot take the name of another account's service user", async () => {
      const email = `deploy@${h.accountId}.service.invalid`;
      const r = await h.call('POST', `/accounts/${accountB}/members`, { email, roles: [SUPER_ADMIN_ROLE_ID] }, bob);
      assert.equal(r.status, 400);
      assert.match(r.json.errors[0]?.message ?? '', /cannot be invited/);
      const svc = await h.call('POST', `/accounts/${h.accountId}/service_users`, {
        name: 'deploy',
        roles: [SUPER_ADMIN_ROLE_ID],
      });
      assert.equal(svc.status, 200, JSON.stringify(svc.json.errors));
    });

    test('the cert.pem token runs tunnels and edits its own zone, nothing else', async () => {
      const cert = await certPemToken();
      assert.equal(await works(cert), 200);
      const rec = await h.call(
        'POST',
        `/zones/${zoneA.id}/dns_records`,
        { type: 'A', name: 'x', content: '192.0.2.9' },
        cert,
      );
      assert.equal(rec.status, 200, JSON.stringify(rec.json.errors));
      const refused: [string, string, unknown?][] = [
        ['GET', `/accounts/${h.accountId}/members`],
        ['POST', `/accounts/${h.accountId}/members`, { email: 'x@example.test', roles: [SUPER_ADMIN_ROLE_ID] }],
        ['GET', `/accounts/${h.accountId}/audit_logs`],
        ['GET', '/user/tokens'],
        ['POST', '/user/tokens', { name: 'escape', policies: [] }],
        ['GET', `/zones/${zoneA2.id}/dns_records`],
        ['POST', `/zones/${zoneA2.id}/dns_records`, { type: 'A', name: 'y', content: '192.0.2.9' }],
        ['GET', '/memberships'],
        ['POST', '/accounts', { name: 'mine' }],
      ];
      for (const [method, url, body] of refused) {
        const r = await h.call(method, url, body, cert);
        assert.equal(r.status, 403, `${method} ${url}: ${JSON.stringify(r.json.errors)}`);
      }
      const other = await h.call('GET', `/accounts/${accountB}/cfd_tunnel`, undefined, cert);
      assert.equal(other.status, 404);
    });

    test('a cert.pem token from before the upgrade (no policies) is narrowed by the migration', async () => {
      const cert = await certPemToken();
      const db = Store.databaseForTests(h.store);
      await db.updateTable('api_tokens').where('token_hash', '=', hashToken(cert)).set({ policies: '[]' }).execute();
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/members`, undefined, cert)).status, 200);
      assert.ok((await narrowLegacyLoginTokens(db)) >= 1);
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/members`, undefined, cert)).status, 403);
      assert.equal(await works(cert), 200);
    });

    test('no token creates or widens a token beyond its own rights, nor takes over a wider one', async () => {
      const narrow = await h.call<{ id: string; value: string }>('POST', '/user/tokens', {
        name: 'narrow',
        policies: [
          {
            effect: 'allow',
            resources: { [`com.cloudflare.api.account.zone.${zoneA.id}`]: '*' },
            permission_groups: [group('DNS Read')],
          },
          {
            effect: 'allow',
            resources: { 'com.cloudflare.api.user.*': '*' },
            permission_groups: [group('API Tokens Write')],
          },
        ],
      });
      assert.equal(narrow.status, 200, JSON.stringify(narrow.json.errors));
      const t = narrow.json.result.value;
      const zoneKey = `com.cloudflare.api.account.zone.${zoneA.id}`;
      const escalations: unknown[] = [
        [],
        [{ effect: 'allow', resources: { [zoneKey]: '*' }, permission_groups: [group('DNS Write')] }],
        [
          {
            effect: 'allow',
            resources: { 'com.cloudflare.api.account.zone.*': '*' },
            permission_groups: [group('DNS Read')],
          },
        ],
        [
          {
            effect: 'allow',
            resources: { [`com.cloudflare.api.account.${h.accountId}`]: '*' },
            permission_groups: [group('DNS Read')],
          },
        ],
        [
          {
            effect: 'allow',
            resources: { 'com.cloudflare.api.account.*': '*' },
            permission_groups: [group('Cloudflare Tunnel Write')],
          },
        ],
      ];
      for (const policies of escalations) {
        const r = await h.call('POST', '/user/tokens', { name: 'wider', policies }, t);
        assert.equal(r.status, 403, `created ${JSON.stringify(policies)}`);
      }
      const same = await h.call<{ id: string }>(
        'POST',
        '/user/tokens',
        {
          name: 'same',
          policies: [{ effect: 'allow', resources: { [zoneKey]: '*' }, permission_groups: [group('DNS Read')] }],
        },
        t,
      );
      assert.equal(same.status, 200, JSON.stringify(same.json.errors));
      const widen = await h.call(
        'PUT',
        `/user/tokens/${same.json.result.id}`,
        { name: 'same', policies: escalations[1] },
        t,
      );
      assert.equal(widen.status, 403);
      const wide = await h.call<{ id: string }>('POST', '/user/tokens', { name: 'wide', policies: escalations[4] });
      assert.equal((await h.call('PUT', `/user/tokens/${wide.json.result.id}/value`, undefined, t)).status, 403);
      assert.equal(
        (
          await h.call(
            'PUT',
            `/user/tokens/${wide.json.result.id}`,
            { name: 'x', policies: escalations[1], status: 'active' },
            t,
          )
        ).status,
        403,
      );
    });

    test("a user's roles bound the tokens they create", async () => {
      const m = await invite('dns-only@example.test', [roleId('DNS')]);
      const made = await createUserWithToken(
        h.store,
        { email: 'dns-only@example.test', accountName: 'dns-only', tokenName: 'cli' },
        OPERATOR,
      );
      await h.call('PUT', `/memberships/${m.id}`, { status: 'accepted' }, made.token);
      const account = `com.cloudflare.api.account.${accountB}`;
      const tunnels = await h.call(
        'POST',
        '/user/tokens',
        {
          name: 't',
          policies: [
            { effect: 'allow', resources: { [account]: '*' }, permission_groups: [group('Cloudflare Tunnel Write')] },
          ],
        },
        made.token,
      );
      assert.equal(tunnels.status, 403);
      assert.equal(tunnels.json.errors[0]?.warren_code, 'WARREN_API_FORBIDDEN');
      assert.match(tunnels.json.errors[0]?.message ?? '', /"Cloudflare Tunnel Write" .* is more than you may grant/);
      const dns = await h.call(
        'POST',
        '/user/tokens',
        {
          name: 'd',
          policies: [{ effect: 'allow', resources: { [account]: '*' }, permission_groups: [group('DNS Write')] }],
        },
        made.token,
      );
      assert.equal(dns.status, 200, JSON.stringify(dns.json.errors));
      assert.equal((dns.json.result as { name: string }).name, 'd');
    });

    test('a token dies with the credential that made it: a rolled API key, a deleted parent token', async () => {
      const admin = await h.store.identity.findUserByEmail(ADMIN_EMAIL);
      assert.ok(admin);
      const legacy = { 'x-auth-email': ADMIN_EMAIL, 'x-auth-key': globalApiKey(h.store.secrets, admin) };
      const policies = [
        {
          effect: 'allow',
          resources: { [`com.cloudflare.api.account.${h.accountId}`]: '*' },
          permission_groups: [group('Cloudflare Tunnel Read')],
        },
      ];
      const res = await h.app.inject({
        method: 'POST',
        url: '/client/v4/user/tokens',
        headers: { ...legacy, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'from global key', policies }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const child = (res.json() as { result: { value: string } }).result.value;
      assert.equal(await works(child), 200);
      await rollUserKey(h.store, ADMIN_EMAIL, OPERATOR);
      const dead = await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, child);
      assert.equal(dead.json.errors[0]?.warren_code, 'WARREN_API_KEY_ROLLED');

      const parent = await h.call<{ id: string; value: string }>('POST', '/user/tokens', {
        name: 'parent',
        policies: [
          ...policies,
          {
            effect: 'allow',
            resources: { 'com.cloudflare.api.user.*': '*' },
            permission_groups: [group('API Tokens Write')],
          },
        ],
      });
      const kid = await h.call<{ value: string }>(
        'POST',
        '/user/tokens',
        { name: 'kid', policies },
        parent.json.result.value,
      );
      assert.equal(kid.status, 200, JSON.stringify(kid.json.errors));
      assert.equal(await works(kid.json.result.value), 200);
      await h.call('DELETE', `/user/tokens/${parent.json.result.id}`);
      const orphan = await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, kid.json.result.value);
      assert.equal(orphan.status, 401);
      assert.match(orphan.json.errors[0]?.message ?? '', /that created it was deleted/);
    });
  });
}
