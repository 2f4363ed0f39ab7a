import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { PERMISSION_GROUPS, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { RecordResult, TunnelResult, ZoneResult } from './support/control-types.js';
import { routeTable } from './support/route-table.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

async function ecdsaCsr(): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return (
    await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=origin', keys, signingAlgorithm: alg })
  ).toString('pem');
}

const groupId = (name: string): string => {
  const g = PERMISSION_GROUPS.find((x) => x.name === name);
  assert.ok(g, name);
  return g.id;
};

for (const dialect of DIALECTS) {
  describe(`tenant isolation of zones on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let userB: string;
    let tokenB: string;
    let accountB: string;
    let zoneA: ZoneResult;
    let tunnelA: TunnelResult;
    let tunnelB: TunnelResult;
    let recordA: RecordResult;
    let csr: string;

    /** What B's attempts must leave as it is: A's rows, straight from the store. */
    const snapshotOfA = async (): Promise<string> => {
      const A = h.accountId;
      const zones = await h.store.zones.zonesOfAccount(A);
      const records = await Promise.all(
        zones.map(async (z) => (await h.store.zones.records(z.id, {}, { page: 1, perPage: 5000 })).rows),
      );
      const admin = (await h.store.identity.members(A)).map((m) => m.user.id);
      return JSON.stringify({
        account: await h.store.identity.getAccount(A),
        zones,
        records,
        tunnels: (await h.store.tunnels.tunnels(A, {}, { page: 1, perPage: 1000 })).rows,
        members: (await h.store.identity.members(A)).map((m) => m.membership),
        tokens: (await Promise.all(admin.map((u) => h.store.identity.tokensOf(u)))).map((ts) =>
          ts.map((t) => ({ ...t, last_used_on: null })),
        ),
        certificates: (await h.store.certificates.list({ accountIds: [A] }, { page: 1, perPage: 1000 })).rows,
      });
    };

    before(async () => {
      h = await startControl(dialect);
      csr = await ecdsaCsr();
      const b = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      userB = b.id;
      accountB = (await h.store.identity.createAccount('tenant-b')).id;
      await h.store.identity.addMember(accountB, userB, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB, name: 'b', policies: [] })).value;
      zoneA = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'alice.test' })).json
        .result;
      assert.equal(zoneA.status, 'active');
      tunnelA = (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'a' })).json.result;
      const routed = await h.call('PUT', `/zones/${zoneA.id}/tunnels/${tunnelA.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.alice.test',
      });
      assert.equal(routed.status, 200, JSON.stringify(routed.json.errors));
      recordA = (
        await h.call<RecordResult>('POST', `/zones/${zoneA.id}/dns_records`, {
          type: 'A',
          name: 'www',
          content: '192.0.2.1',
        })
      ).json.result;
      const cert = await h.call('POST', '/certificates', {
        csr,
        hostnames: ['app.alice.test'],
        request_type: 'origin-ecc',
      });
      assert.equal(cert.status, 200, JSON.stringify(cert.json.errors));
      assert.equal(
        (await h.call('POST', '/zones', { account: { id: accountB }, name: 'bob.test' }, tokenB)).status,
        200,
      );
      tunnelB = (await h.call<TunnelResult>('POST', `/accounts/${accountB}/cfd_tunnel`, { name: 'b' }, tokenB)).json
        .result;
    });
    after(async () => {
      await h?.close();
    });

    test("B cannot create a zone equal to, inside or around A's (any case, trailing dot, full or partial); the refusal names no account", async () => {
      await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'deep.parent.test' });
      for (const name of [
        'alice.test',
        'ALICE.test.',
        'app.alice.test',
        'App.Alice.Test.',
        'x.y.app.alice.test',
        'parent.test',
        'Parent.Test.',
      ]) {
        for (const type of ['full', 'partial'] as const) {
          const r = await h.call('POST', '/zones', { account: { id: accountB }, name, type }, tokenB);
          assert.equal(r.status, 409, `${name} (${type}): ${JSON.stringify(r.json)}`);
          assert.equal(r.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP');
          assert.equal(r.json.errors[0]?.code, 1061);
          assert.ok(!JSON.stringify(r.json).includes(h.accountId), 'names no account id');
        }
      }
      // Unicode is not a way around it: only the punycode form is a zone name, and it compares equal.
      await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'xn--bcher-kva.test' });
      assert.equal(
        (await h.call('POST', '/zones', { account: { id: accountB }, name: 'XN--BCHER-KVA.test' }, tokenB)).status,
        409,
      );
      assert.equal(
        (await h.call('POST', '/zones', { account: { id: accountB }, name: 'bücher.test' }, tokenB)).status,
        400,
      );
      // The other direction: A cannot wrap or enter B's zone either.
      for (const name of ['bob.test', 'in.bob.test']) {
        const r = await h.call('POST', '/zones', { account: { id: h.accountId }, name });
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP', name);
      }
      assert.equal((await h.store.zones.zonesOfAccount(accountB)).length, 1, 'B still has only bob.test');
    });

    test('not overlaps: nesting inside one account, a name that only ends alike, and LIKE metacharacters', async () => {
      const nested = await h.call<ZoneResult>('POST', '/zones', {
        account: { id: h.accountId },
        name: 'sub.alice.test',
      });
      assert.equal(nested.status, 200, JSON.stringify(nested.json.errors));
      assert.equal(
        (await h.call('POST', '/zones', { account: { id: accountB }, name: 'xalice.test' }, tokenB)).status,
        200,
      );
      // `_` matches any character in LIKE: a_b.test must not be taken for a parent of x.aab.test.
      await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'x.aab.test' });
      assert.equal(
        (await h.call('POST', '/zones', { account: { id: accountB }, name: 'a_b.test' }, tokenB)).status,
        200,
      );
    });

    test('two accounts racing for a parent and its child: exactly one gets it', async () => {
      for (let i = 0; i < 8; i++) {
        const [a, b] = await Promise.all([
          h.call('POST', '/zones', { account: { id: h.accountId }, name: `race${i}.test` }),
          h.call('POST', '/zones', { account: { id: accountB }, name: `www.race${i}.test` }, tokenB),
        ]);
        assert.equal([a.status, b.status].filter((s) => s === 200).length, 1, `round ${i}: ${a.status} ${b.status}`);
        const loser = a.status === 200 ? b : a;
        assert.equal(loser.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP', JSON.stringify(loser.json));
      }
    });

    test("B cannot read or write records in A's zone, by A's ids or through its own zone", async () => {
      const before = await snapshotOfA();
      const zoneB = (await h.store.zones.zonesOfAccount(accountB)).find((z) => z.name === 'bob.test');
      assert.ok(zoneB);
      for (const [method, url, body] of [
        ['GET', `/zones/${zoneA.id}/dns_records`],
        [
          'POST',
          `/zones/${zoneA.id}/dns_records`,
          { type: 'CNAME', name: 'app', content: 'x.bob.test', proxied: true },
        ],
        ['GET', `/zones/${zoneA.id}/dns_records/${recordA.id}`],
        ['PATCH', `/zones/${zoneA.id}/dns_records/${recordA.id}`, { content: '192.0.2.66' }],
        ['PUT', `/zones/${zoneA.id}/dns_records/${recordA.id}`, { type: 'A', name: 'www', content: '192.0.2.66' }],
        ['DELETE', `/zones/${zoneA.id}/dns_records/${recordA.id}`],
        // A's record id under B's own zone.
        ['GET', `/zones/${zoneB.id}/dns_records/${recordA.id}`],
        ['PATCH', `/zones/${zoneB.id}/dns_records/${recordA.id}`, { content: '192.0.2.66' }],
        ['DELETE', `/zones/${zoneB.id}/dns_records/${recordA.id}`],
      ] as [string, string, unknown?][]) {
        const r = await h.call(method, url, body, tokenB);
        assert.ok([403, 404].includes(r.status), `${method} ${url} → ${r.status}`);
      }
      // A name of A's zone written in B's zone lands inside bob.test, never in alice.test.
      const rel = await h.call<RecordResult>(
        'POST',
        `/zones/${zoneB.id}/dns_records`,
        { type: 'CNAME', name: 'app.alice.test.', content: `${tunnelB.id}.tunnel.warren.localhost`, proxied: true },
        tokenB,
      );
      assert.equal(rel.json.result.name, 'app.alice.test.bob.test');
      assert.equal(await snapshotOfA(), before);
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('app.alice.test'), tunnelA.id);
    });

    test("origin certificates: B gets none for A's names or wildcards; A gets none across a foreign or pending zone", async () => {
      for (const hostnames of [
        ['app.alice.test'],
        ['alice.test'],
        ['*.alice.test'],
        ['*.sub.alice.test'],
        ['bob.test', 'app.alice.test'],
      ]) {
        const r = await h.call('POST', '/certificates', { csr, hostnames, request_type: 'origin-ecc' }, tokenB);
        assert.equal(r.status, 400, `${hostnames.join(',')}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_CERT_HOSTNAME');
      }
      const own = await h.call(
        'POST',
        '/certificates',
        { csr, hostnames: ['*.bob.test'], request_type: 'origin-ecc' },
        tokenB,
      );
      assert.equal(own.status, 200, JSON.stringify(own.json.errors));
      // A pending zone owns nothing yet: no certificate for it.
      const pending = await h.store.zones.createZone({ accountId: accountB, name: 'later.test', type: 'partial' });
      const p = await h.call(
        'POST',
        '/certificates',
        { csr, hostnames: ['later.test'], request_type: 'origin-ecc' },
        tokenB,
      );
      assert.equal(p.status, 400, pending.name);
      // xalice.test is B's: A cannot name it.
      const x = await h.call('POST', '/certificates', { csr, hostnames: ['xalice.test'], request_type: 'origin-ecc' });
      assert.equal(x.status, 400);
      // Defence in depth for data from before the ownership rule: a zone of B inside A's (written
      // straight to the store) keeps A's wildcard off its apex.
      await h.store.zones.createZone({ accountId: accountB, name: 'legacy.alice.test', type: 'full', activate: true });
      const wild = await h.call('POST', '/certificates', {
        csr,
        hostnames: ['*.alice.test'],
        request_type: 'origin-ecc',
      });
      assert.equal(wild.json.errors[0]?.warren_code, 'WARREN_CERT_HOSTNAME');
      const inside = await h.call('POST', '/certificates', {
        csr,
        hostnames: ['legacy.alice.test'],
        request_type: 'origin-ecc',
      });
      assert.equal(inside.json.errors[0]?.warren_code, 'WARREN_CERT_HOSTNAME');
      await h.store.zones.deleteZone((await h.store.zones.zoneNamed('legacy.alice.test'))?.id ?? '');
    });

    test('a host belongs to the longest active zone: parent records inside an active child do not route; a pending child does not take over', async () => {
      const A = h.accountId;
      const target = `${tunnelA.id}.tunnel.warren.localhost`;
      const other = (await h.call<TunnelResult>('POST', `/accounts/${A}/cfd_tunnel`, { name: 'a2' })).json.result;
      const zone = (await h.call<ZoneResult>('POST', '/zones', { account: { id: A }, name: 'nest.test' })).json.result;
      for (const name of ['x.shop.nest.test', '*.shop.nest.test', '*.nest.test']) {
        const r = await h.call('POST', `/zones/${zone.id}/dns_records`, {
          type: 'CNAME',
          name,
          content: target,
          proxied: true,
        });
        assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.json.errors)}`);
      }
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('x.shop.nest.test'), tunnelA.id);
      assert.equal(h.control.router.resolve('y.shop.nest.test'), tunnelA.id);
      assert.equal(h.control.router.resolve('shop.nest.test'), tunnelA.id, '*.nest.test covers shop.nest.test');

      // A pending child zone (same account) owns nothing yet: the parent keeps routing.
      const child = await h.store.zones.createZone({
        accountId: A,
        name: 'shop.nest.test',
        type: 'full',
        activate: false,
      });
      await h.store.zones.createRecord({
        zone_id: child.id,
        account_id: A,
        name: 'x.shop.nest.test',
        type: 'CNAME',
        content: `${other.id}.tunnel.warren.localhost`,
        proxied: 1,
        ttl: 1,
        priority: null,
        comment: null,
        tags: '[]',
        data: null,
      });
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('x.shop.nest.test'), tunnelA.id);

      // Active: the child's records alone route its names, the parent's inside it are dead.
      await h.store.zones.activateZone(child.id);
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('x.shop.nest.test'), other.id);
      assert.equal(h.control.router.resolve('y.shop.nest.test'), undefined, "parent's *.shop.nest.test");
      assert.equal(h.control.router.resolve('shop.nest.test'), undefined, "parent's *.nest.test at the child's apex");
      assert.equal(h.control.router.resolve('z.nest.test'), tunnelA.id, 'the rest of the parent still routes');
    });

    test('a proxied CNAME to a tunnel at the zone apex is refused by the DNS records API, as by the routes API', async () => {
      const target = `${tunnelB.id}.tunnel.warren.localhost`;
      const zoneB = (await h.store.zones.zonesOfAccount(accountB)).find((z) => z.name === 'bob.test');
      assert.ok(zoneB);
      for (const name of ['@', 'bob.test', 'BOB.test.']) {
        const r: { json: { errors: { warren_code: string }[] } } = await h.call(
          'POST',
          `/zones/${zoneB.id}/dns_records`,
          { type: 'CNAME', name, content: target, proxied: true },
          tokenB,
        );
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_ROUTE_APEX', name);
      }
      const sub = await h.call<RecordResult>(
        'POST',
        `/zones/${zoneB.id}/dns_records`,
        { type: 'CNAME', name: 'api', content: target.toUpperCase(), proxied: true },
        tokenB,
      );
      assert.equal(sub.status, 200);
      const moved = await h.call(
        'PATCH',
        `/zones/${zoneB.id}/dns_records/${sub.json.result.id}`,
        { name: '@' },
        tokenB,
      );
      assert.equal(moved.json.errors[0]?.warren_code, 'WARREN_ROUTE_APEX');
      const put = await h.call(
        'PUT',
        `/zones/${zoneB.id}/dns_records/${sub.json.result.id}`,
        { type: 'CNAME', name: 'bob.test', content: target, proxied: true },
        tokenB,
      );
      assert.equal(put.json.errors[0]?.warren_code, 'WARREN_ROUTE_APEX');
      // Not proxied, it is plain DNS and never routes: allowed, as on Cloudflare.
      const plain = await h.call(
        'POST',
        `/zones/${zoneB.id}/dns_records`,
        { type: 'CNAME', name: '@', content: target },
        tokenB,
      );
      assert.equal(plain.status, 200, JSON.stringify(plain.json.errors));
    });

    test('a token with DNS Read on one zone finds exactly that zone in GET /zones, by name too', async () => {
      const only = await h.store.identity.createToken({
        userId: userB,
        name: 'dns read bob.test',
        policies: [
          {
            id: 'p1',
            effect: 'allow',
            resources: { [`com.cloudflare.api.account.zone.${(await h.store.zones.zoneNamed('bob.test'))?.id}`]: '*' },
            permission_groups: [{ id: groupId('DNS Read'), name: 'DNS Read' }],
          },
        ],
      });
      const all = await h.call<ZoneResult[]>('GET', '/zones', undefined, only.value);
      assert.deepEqual(
        all.json.result.map((z) => z.name),
        ['bob.test'],
      );
      assert.equal(all.json.result_info?.total_count, 1);
      for (const q of ['bob.test', 'BOB.test.']) {
        const byName = await h.call<ZoneResult[]>('GET', `/zones?name=${encodeURIComponent(q)}`, undefined, only.value);
        assert.deepEqual(
          byName.json.result.map((z) => z.name),
          ['bob.test'],
          q,
        );
      }
      const none = await h.call<ZoneResult[]>('GET', '/zones?name=alice.test', undefined, only.value);
      assert.deepEqual(none.json.result, []);
      const full = await h.call<ZoneResult[]>('GET', '/zones?per_page=50', undefined, tokenB);
      assert.ok(
        full.json.result.every((z) => z.account.id === accountB),
        'B lists only its own zones',
      );
    });

    test("every account- and zone-scoped route (from openapi.json) answers B 403/404 on A's ids and changes nothing", async () => {
      const table = await routeTable(h, {
        account_id: h.accountId,
        zone_id: zoneA.id,
        tunnel_id: tunnelA.id,
        record_id: recordA.id,
        member_id: (await h.store.identity.members(h.accountId))[0]?.membership.id ?? '',
        certificate_id:
          (await h.store.certificates.list({ accountIds: [h.accountId] }, { page: 1, perPage: 1 })).rows[0]?.id ?? '',
      });
      assert.ok(table.length >= 25, `only ${table.length} scoped routes found`);
      const before = await snapshotOfA();
      for (const r of table) {
        const res = await h.call(r.method, r.url, r.body, tokenB);
        // An account token check answers 401 for any token that is not one of that account's (as
        // Cloudflare's verify does): it says nothing about A either way.
        const refused = r.url.endsWith('/tokens/verify') ? [401] : [403, 404];
        assert.ok(refused.includes(res.status), `${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.json)}`);
        assert.equal(res.json.success, false);
      }
      assert.equal(await snapshotOfA(), before, "A's rows are unchanged");
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('app.alice.test'), tunnelA.id);
    });
  });
}
