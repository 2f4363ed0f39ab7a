import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { AccountResult, RecordResult, TunnelResult, ZoneResult } from './support/control-types.js';

for (const dialect of DIALECTS) {
  describe(`account isolation on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let tokenB: string;
    let accountB: string;
    let zoneA: ZoneResult;
    let zoneB: ZoneResult;
    let recordA: RecordResult;
    let tunnelA: TunnelResult;
    let tunnelB: TunnelResult;
    const a = `/accounts`;

    before(async () => {
      h = await startControl(dialect);
      // Tenant B: its own user, account and token; the admin of A is not a member of B.
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      const acctB = await h.store.identity.createAccount('tenant-b');
      await h.store.identity.addMember(acctB.id, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      accountB = acctB.id;
      zoneA = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'tenant-a.test' })).json
        .result;
      zoneB = (await h.call<ZoneResult>('POST', '/zones', { account: { id: accountB }, name: 'tenant-b.test' }, tokenB))
        .json.result;
      recordA = (
        await h.call<RecordResult>('POST', `/zones/${zoneA.id}/dns_records`, {
          type: 'A',
          name: 'www',
          content: '192.0.2.1',
        })
      ).json.result;
      tunnelA = (await h.call<TunnelResult>('POST', `${a}/${h.accountId}/cfd_tunnel`, { name: 'a' })).json.result;
      tunnelB = (await h.call<TunnelResult>('POST', `${a}/${accountB}/cfd_tunnel`, { name: 'b' }, tokenB)).json.result;
      assert.ok(zoneA.id && zoneB.id && recordA.id && tunnelA.id && tunnelB.id);
    });
    after(async () => {
      await h?.close();
    });

    test("B cannot see or use any of A's resources: every route answers 404 (or leaves them out of lists)", async () => {
      const A = h.accountId;
      const probes: [string, string, unknown?][] = [
        ['GET', `${a}/${A}`],
        ['PUT', `${a}/${A}`, { name: 'mine now' }],
        ['GET', `${a}/${A}/members`],
        ['POST', `${a}/${A}/members`, { email: 'b@tenant-b.test', roles: [SUPER_ADMIN_ROLE_ID] }],
        ['POST', `${a}/${A}/service_users`, { name: 'sneaky', roles: [SUPER_ADMIN_ROLE_ID] }],
        ['GET', `${a}/${A}/roles`],
        ['POST', '/zones', { account: { id: A }, name: 'stolen.test' }],
        ['GET', `/zones/${zoneA.id}`],
        ['DELETE', `/zones/${zoneA.id}`],
        ['GET', `/zones/${zoneA.id}/dns_records`],
        ['POST', `/zones/${zoneA.id}/dns_records`, { type: 'A', name: 'evil', content: '192.0.2.66' }],
        ['GET', `/zones/${zoneA.id}/dns_records/${recordA.id}`],
        ['PATCH', `/zones/${zoneA.id}/dns_records/${recordA.id}`, { content: '192.0.2.66' }],
        ['DELETE', `/zones/${zoneA.id}/dns_records/${recordA.id}`],
        ['GET', `${a}/${A}/cfd_tunnel`],
        ['POST', `${a}/${A}/cfd_tunnel`, { name: 'b-in-a' }],
        ['GET', `${a}/${A}/cfd_tunnel/${tunnelA.id}`],
        ['PATCH', `${a}/${A}/cfd_tunnel/${tunnelA.id}`, { name: 'renamed' }],
        ['DELETE', `${a}/${A}/cfd_tunnel/${tunnelA.id}`],
        ['GET', `${a}/${A}/cfd_tunnel/${tunnelA.id}/token`],
        ['GET', `${a}/${A}/cfd_tunnel/${tunnelA.id}/connections`],
        ['PUT', `/zones/${zoneA.id}/tunnels/${tunnelA.id}/routes`, { type: 'dns', user_hostname: 'x.tenant-a.test' }],
        ['GET', `${a}/${A}/audit_logs`],
        // A's ids under B's own account path are not found either.
        ['GET', `${a}/${accountB}/cfd_tunnel/${tunnelA.id}`],
        ['GET', `${a}/${accountB}/cfd_tunnel/${tunnelA.id}/token`],
        ['DELETE', `${a}/${accountB}/cfd_tunnel/${tunnelA.id}`],
      ];
      for (const [method, url, body] of probes) {
        const r = await h.call(method, url, body, tokenB);
        assert.equal(r.status, 404, `${method} ${url} → ${r.status} ${JSON.stringify(r.json)}`);
        assert.equal(r.json.success, false);
        assert.doesNotMatch(JSON.stringify(r.json), /tenant-a|192\.0\.2\.1"/, `${method} ${url} leaks A's data`);
      }
      const accounts = await h.call<AccountResult[]>('GET', '/accounts', undefined, tokenB);
      assert.deepEqual(
        accounts.json.result.map((x) => x.id),
        [accountB],
      );
      const zones = await h.call<ZoneResult[]>('GET', '/zones', undefined, tokenB);
      assert.deepEqual(
        zones.json.result.map((z) => z.name),
        ['tenant-b.test'],
      );
      const byAccount = await h.call<ZoneResult[]>('GET', `/zones?account.id=${A}`, undefined, tokenB);
      assert.equal(byAccount.json.result.length, 0);
      // Nothing changed on A's side.
      const stillA = await h.call<RecordResult>('GET', `/zones/${zoneA.id}/dns_records/${recordA.id}`);
      assert.equal(stillA.json.result.content, '192.0.2.1');
      assert.equal(
        (await h.call<TunnelResult>('GET', `${a}/${A}/cfd_tunnel/${tunnelA.id}`)).json.result.deleted_at,
        null,
      );
    });

    test("A's admin sees nothing of B either", async () => {
      // Not "forbidden": B's things read as absent, with the not-found code of what was asked for.
      for (const [url, code] of [
        [`${a}/${accountB}`, 'WARREN_API_NOT_FOUND'],
        [`/zones/${zoneB.id}`, 'WARREN_API_NOT_FOUND'],
        [`${a}/${accountB}/cfd_tunnel/${tunnelB.id}`, 'WARREN_API_NOT_FOUND'],
        [`${a}/${accountB}/audit_logs`, 'WARREN_API_NOT_FOUND'],
      ] as const) {
        const r = await h.call('GET', url);
        assert.equal(r.status, 404, url);
        assert.equal(r.json.errors[0]?.warren_code, code, url);
      }
    });

    test("a route from B's zone to A's tunnel is refused, and a foreign zone is never used", async () => {
      const cross = await h.call(
        'PUT',
        `/zones/${zoneB.id}/tunnels/${tunnelA.id}/routes`,
        { type: 'dns', user_hostname: 'x.tenant-b.test' },
        tokenB,
      );
      assert.equal(cross.status, 404);
      assert.equal(cross.json.errors[0]?.warren_code, 'WARREN_TUNNEL_NOT_FOUND');
      const foreign = await h.call(
        'PUT',
        `/zones/${zoneB.id}/tunnels/${tunnelB.id}/routes`,
        { type: 'dns', user_hostname: 'x.tenant-a.test' },
        tokenB,
      );
      assert.equal(foreign.status, 400);
      assert.equal(foreign.json.errors[0]?.warren_code, 'WARREN_ROUTE_FOREIGN_ZONE');
      assert.match(foreign.json.errors[0]?.message ?? '', /never appends/);
      const records = await h.store.zones.records(zoneB.id, {}, { page: 1, perPage: 100 });
      assert.ok(
        records.rows.every((r) => !r.name.includes('tenant-a')),
        "not appended to B's zone",
      );
    });

    test("records of B that point at A's tunnel, directly or through A's names, never route", async () => {
      const ok = await h.call('PUT', `/zones/${zoneA.id}/tunnels/${tunnelA.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.tenant-a.test',
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      await h.call(
        'POST',
        `/zones/${zoneB.id}/dns_records`,
        { type: 'CNAME', name: 'direct', content: `${tunnelA.id}.tunnel.warren.localhost`, proxied: true },
        tokenB,
      );
      await h.call(
        'POST',
        `/zones/${zoneB.id}/dns_records`,
        { type: 'CNAME', name: 'chain', content: 'app.tenant-a.test', proxied: true },
        tokenB,
      );
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('app.tenant-a.test'), tunnelA.id);
      assert.equal(h.control.router.resolve('direct.tenant-b.test'), undefined);
      assert.equal(h.control.router.resolve('chain.tenant-b.test'), undefined);
    });
  });
}
