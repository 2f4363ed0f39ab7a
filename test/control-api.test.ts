import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLES, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { Store } from '../src/store/index.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type {
  AuditResult,
  MemberResult,
  RecordResult,
  TokenResult,
  TunnelResult,
  ZoneResult,
} from './support/control-types.js';

const READ_ONLY = ROLES.find((r) => r.name === 'Administrator Read Only')?.id as string;

for (const dialect of DIALECTS) {
  describe(`control API on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    before(async () => {
      h = await startControl(dialect);
    });
    after(async () => {
      await h?.close();
    });

    test('requests without a valid Bearer token get 401 in the v4 envelope, and say what to do', async () => {
      const none = await h.call('GET', '/zones', undefined, null);
      assert.equal(none.status, 401);
      assert.equal(none.json.success, false);
      assert.equal(none.json.errors[0]?.warren_code, 'WARREN_API_UNAUTHORIZED');
      assert.equal(none.json.errors[0]?.code, 10000);
      assert.match(none.json.errors[0]?.message ?? '', /Authorization: Bearer/);
      const wrong = await h.call('GET', '/zones', undefined, 'not-a-real-token-at-all-xxxxxxxx');
      assert.equal(wrong.status, 401);
      assert.doesNotMatch(JSON.stringify(wrong.json), /not-a-real-token/);
    });

    test('unknown body fields, wrong types and unknown paths are refused with clear messages', async () => {
      const extra = await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'x.test', colour: 'blue' });
      assert.equal(extra.status, 400);
      assert.equal(extra.json.errors[0]?.warren_code, 'WARREN_API_INVALID');
      assert.match(extra.json.errors[0]?.message ?? '', /unknown field "colour"/);
      const missing = await h.call('POST', '/zones', { name: 'x.test' });
      assert.match(missing.json.errors[0]?.message ?? '', /missing the field "account"/);
      const badJson = await h.app.inject({
        method: 'POST',
        url: '/client/v4/zones',
        headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', 'content-type': 'application/json' },
        payload: '{"name":',
      });
      assert.equal(badJson.statusCode, 400);
      const nowhere = await h.call('GET', '/no/such/thing');
      assert.equal(nowhere.status, 404);
      assert.equal(nowhere.json.errors[0]?.warren_code, 'WARREN_API_NOT_FOUND');
    });

    test('the OpenAPI document lists every route with its body schema', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/client/v4/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
      assert.equal(doc.openapi, '3.1.0');
      for (const p of [
        '/zones',
        '/zones/{zone_id}/dns_records',
        '/accounts/{account_id}/cfd_tunnel',
        '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/token',
        '/zones/{zone_id}/tunnels/{tunnel_id}/routes',
        '/accounts/{account_id}/audit_logs',
        '/user/tokens',
      ]) {
        assert.ok(doc.paths[p], `missing ${p}`);
      }
      assert.ok(doc.paths['/zones']?.post?.requestBody);
    });

    test('zones: create full and partial, filter by name and type, page, refuse duplicates and the service domain', async () => {
      const full = await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'Zones.Example' });
      assert.equal(full.status, 200, JSON.stringify(full.json));
      assert.equal(full.json.result.name, 'zones.example');
      assert.equal(full.json.result.type, 'full');
      assert.deepEqual(full.json.result.name_servers, ['ns1.warren.localhost', 'ns2.warren.localhost']);
      const partial = await h.call<ZoneResult>('POST', '/zones', {
        account: { id: h.accountId },
        name: 'partial.example',
        type: 'partial',
      });
      assert.equal(partial.json.result.status, 'pending');
      assert.match(partial.json.result.verification_key ?? '', /^warren-verify=/);
      const dup = await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'zones.example' });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.errors[0]?.warren_code, 'WARREN_API_CONFLICT');
      const svc = await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'x.warren.localhost' });
      assert.equal(svc.status, 400);
      const byName = await h.call<ZoneResult[]>('GET', '/zones?name=partial.example');
      assert.deepEqual(
        byName.json.result.map((z) => z.name),
        ['partial.example'],
      );
      const byType = await h.call<ZoneResult[]>('GET', '/zones?type=full');
      assert.ok(byType.json.result.every((z) => z.type === 'full'));
      const page = await h.call<ZoneResult[]>('GET', '/zones?per_page=1&page=2');
      assert.equal(page.json.result.length, 1);
      assert.equal(page.json.result_info?.page, 2);
      assert.ok((page.json.result_info?.total_count ?? 0) >= 2);
      const gone = await h.call('DELETE', `/zones/${partial.json.result.id}`);
      assert.equal(gone.status, 200);
      assert.equal((await h.call('GET', `/zones/${partial.json.result.id}`)).status, 404);
    });

    test('DNS records: every type validates, CNAMEs stand alone, PATCH/PUT/DELETE and filters work', async () => {
      const zone = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'dns.example' }))
        .json.result;
      const base = `/zones/${zone.id}/dns_records`;
      const ok = async (body: Record<string, unknown>): Promise<RecordResult> => {
        const r = await h.call<RecordResult>('POST', base, body);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json.result;
      };
      const a = await ok({ type: 'A', name: 'www', content: '192.0.2.1', proxied: true, ttl: 300, comment: 'web' });
      assert.equal(a.name, 'www.dns.example');
      assert.equal(a.ttl, 1, 'proxied records have automatic TTL');
      await ok({ type: 'AAAA', name: 'www.dns.example', content: '2001:db8::1' });
      await ok({ type: 'TXT', name: '@', content: 'v=spf1 -all', ttl: 3600 });
      const mx = await ok({ type: 'MX', name: 'dns.example', content: 'mail.dns.example', priority: 10 });
      assert.equal(mx.priority, 10);
      const srv = await ok({
        type: 'SRV',
        name: '_sip._tcp',
        data: { priority: 1, weight: 5, port: 5060, target: 'sip.dns.example' },
      });
      assert.equal(srv.content, '5 5060 sip.dns.example');
      const caa = await ok({ type: 'CAA', name: '@', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
      assert.equal(caa.content, '0 issue "letsencrypt.org"');
      await ok({ type: 'CNAME', name: 'blog', content: 'www.dns.example' });

      const bad = async (body: Record<string, unknown>, re: RegExp, code = 'WARREN_API_INVALID'): Promise<void> => {
        const r = await h.call('POST', base, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.json.errors[0]?.warren_code, code);
        assert.match(r.json.errors[0]?.message ?? '', re);
      };
      await bad({ type: 'A', name: 'x', content: 'not-an-ip' }, /not an IPv4 address/);
      await bad({ type: 'AAAA', name: 'x', content: '10.0.0.1' }, /not an IPv6 address/);
      await bad({ type: 'MX', name: 'x', content: 'mail.example' }, /priority/);
      await bad({ type: 'TXT', name: 'x', content: 'y', proxied: true }, /cannot be proxied/);
      await bad({ type: 'A', name: 'x', content: '192.0.2.1', ttl: 5 }, /ttl/);
      await bad({ type: 'A', name: 'bad_label-', content: '192.0.2.1' }, /not a valid DNS name/);
      await bad(
        { type: 'CNAME', name: 'www', content: 'x.example' },
        /cannot share its name/,
        'WARREN_DNS_RECORD_EXISTS',
      );
      await bad({ type: 'A', name: 'blog', content: '192.0.2.9' }, /already has a CNAME/, 'WARREN_DNS_RECORD_EXISTS');
      await bad({ type: 'A', name: 'www', content: '192.0.2.1' }, /identical/, 'WARREN_DNS_RECORD_EXISTS');
      await bad({ type: 'NAPTR', name: 'x', content: 'ns.example' }, /must be equal to one of the allowed values/);
      await bad(
        { type: 'NS', name: '@', content: 'ns.example' },
        /NS records at the apex of dns.example are warren's own/,
      );

      const patched = await h.call<RecordResult>('PATCH', `${base}/${a.id}`, { content: '192.0.2.2', proxied: false });
      assert.equal(patched.json.result.content, '192.0.2.2');
      assert.equal(patched.json.result.proxied, false);
      assert.equal(patched.json.result.comment, 'web');
      const put = await h.call<RecordResult>('PUT', `${base}/${a.id}`, {
        type: 'A',
        name: 'www',
        content: '192.0.2.3',
      });
      assert.equal(put.json.result.content, '192.0.2.3');
      assert.equal(put.json.result.comment, null);

      const www = await h.call<RecordResult[]>('GET', `${base}?name=www.dns.example`);
      assert.deepEqual(www.json.result.map((r) => r.type).sort(), ['A', 'AAAA']);
      const txt = await h.call<RecordResult[]>('GET', `${base}?type=TXT`);
      assert.equal(txt.json.result.length, 1);
      const paged = await h.call<RecordResult[]>('GET', `${base}?per_page=2`);
      assert.equal(paged.json.result.length, 2);
      assert.equal(paged.json.result_info?.total_count, 7);
      assert.equal((await h.call('DELETE', `${base}/${a.id}`)).status, 200);
      assert.equal((await h.call('GET', `${base}/${a.id}`)).status, 404);
    });

    test('tunnels: create (secret validated), list with is_deleted and name, token, delete (soft)', async () => {
      const secret = Buffer.alloc(32, 7).toString('base64');
      const short = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, {
        name: 't',
        tunnel_secret: 'c2hvcnQ=',
      });
      assert.equal(short.status, 400);
      assert.match(short.json.errors[0]?.message ?? '', /at least 32/);
      const t = await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, {
        name: 'api-tunnel',
        tunnel_secret: secret,
      });
      assert.equal(t.status, 200, JSON.stringify(t.json));
      assert.equal(t.json.result.status, 'inactive');
      assert.equal(t.json.result.account_tag, h.accountId);
      const dup = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'api-tunnel' });
      assert.equal(dup.status, 409);
      const token = await h.call<string>('GET', `/accounts/${h.accountId}/cfd_tunnel/${t.json.result.id}/token`);
      const {
        a,
        t: id,
        s,
        ...warrens
      } = JSON.parse(Buffer.from(token.json.result, 'base64').toString()) as {
        a: string;
        t: string;
        s: string;
      };
      // cloudflared's fields, then warren's own: the edge to dial (and its CA pin when it has one).
      assert.deepEqual({ a, t: id, s }, { a: h.accountId, t: t.json.result.id, s: secret });
      assert.deepEqual(warrens, { e: '127.0.0.1:7844' });
      const row = await h.store.tunnels.tunnel(t.json.result.id);
      assert.ok(row !== undefined && !row.secret_sealed.includes(secret), 'the secret is sealed at rest');
      const conns = await h.call<unknown[]>(
        'GET',
        `/accounts/${h.accountId}/cfd_tunnel/${t.json.result.id}/connections`,
      );
      assert.deepEqual(conns.json.result, []);
      const del = await h.call<TunnelResult>('DELETE', `/accounts/${h.accountId}/cfd_tunnel/${t.json.result.id}`);
      assert.ok(del.json.result.deleted_at !== null);
      const live = await h.call<TunnelResult[]>(
        'GET',
        `/accounts/${h.accountId}/cfd_tunnel?is_deleted=false&name=api-tunnel`,
      );
      assert.equal(live.json.result.length, 0);
      const dead = await h.call<TunnelResult[]>(
        'GET',
        `/accounts/${h.accountId}/cfd_tunnel?is_deleted=true&name=api-tunnel`,
      );
      assert.equal(dead.json.result.length, 1);
      const again = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'api-tunnel' });
      assert.equal(again.status, 200, 'a deleted tunnel frees its name');
      const tokenOfDeleted = await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel/${t.json.result.id}/token`);
      assert.equal(tokenOfDeleted.json.errors[0]?.warren_code, 'WARREN_TUNNEL_NOT_FOUND');
    });

    test('API tokens: shown once, hashed at rest, policies narrow them, roll and delete take effect at once', async () => {
      const groups = await h.call<{ id: string; name: string }[]>('GET', '/user/tokens/permission_groups');
      const zoneRead = groups.json.result.find((g) => g.name === 'Zone Read')?.id;
      const created = await h.call<TokenResult>('POST', '/user/tokens', {
        name: 'zone reader',
        policies: [
          {
            effect: 'allow',
            resources: { [`com.cloudflare.api.account.${h.accountId}`]: '*' },
            permission_groups: [{ id: zoneRead }],
          },
        ],
      });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      const value = created.json.result.value as string;
      assert.equal(value.length, 40);
      const shown = await h.call<TokenResult>('GET', `/user/tokens/${created.json.result.id}`);
      assert.equal(shown.json.result.value, undefined, 'the value is never shown again');
      const stored = await Store.databaseForTests(h.store).selectFrom('api_tokens').selectAll().execute();
      assert.ok(stored.every((t) => t.token_hash !== value && !JSON.stringify(t).includes(value)));
      assert.equal((await h.call('GET', '/user/tokens/verify', undefined, value)).status, 200);
      assert.equal((await h.call('GET', '/zones', undefined, value)).status, 200);
      const denied = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'nope' }, value);
      assert.equal(denied.status, 403);
      assert.equal(denied.json.errors[0]?.warren_code, 'WARREN_API_FORBIDDEN');
      assert.equal((await h.call('GET', '/user/tokens', undefined, value)).status, 403);
      const bogus = await h.call('POST', '/user/tokens', {
        name: 'x',
        policies: [{ effect: 'allow', resources: { 'com.example.everything': '*' }, permission_groups: [] }],
      });
      assert.equal(bogus.status, 400);
      const rolled = await h.call<string>('PUT', `/user/tokens/${created.json.result.id}/value`);
      assert.equal((await h.call('GET', '/user/tokens/verify', undefined, value)).status, 401);
      assert.equal((await h.call('GET', '/user/tokens/verify', undefined, rolled.json.result)).status, 200);
      await h.call('DELETE', `/user/tokens/${created.json.result.id}`);
      assert.equal((await h.call('GET', '/user/tokens/verify', undefined, rolled.json.result)).status, 401);
    });

    test('members and roles: a read-only member cannot write; a role change rolls the API key of that user', async () => {
      const m = await h.call<MemberResult>('POST', `/accounts/${h.accountId}/members`, {
        email: 'viewer@example.test',
        roles: [READ_ONLY],
      });
      assert.equal(m.status, 200, JSON.stringify(m.json));
      const user = await h.store.identity.findUserByEmail('viewer@example.test');
      assert.ok(user);
      const loose = await h.store.identity.createToken({ userId: user.id, name: 'script', policies: [] });
      // An invitation grants nothing until the user accepts it.
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, loose.value)).status, 404);
      const accepted = await h.call('PUT', `/memberships/${m.json.result.id}`, { status: 'accepted' }, loose.value);
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
      const bound = await h.store.identity.createToken({
        userId: user.id,
        name: 'login',
        policies: [],
        boundToKey: true,
      });
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, bound.value)).status, 200);
      const write = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'x' }, bound.value);
      assert.equal(write.status, 403);
      assert.match(write.json.errors[0]?.message ?? '', /Administrator Read Only/);
      const grant = await h.call('PUT', `/accounts/${h.accountId}/members/${m.json.result.id}`, {
        roles: [{ id: SUPER_ADMIN_ROLE_ID }],
      });
      assert.equal(grant.status, 200, JSON.stringify(grant.json));
      const stale = await h.call('GET', '/zones', undefined, bound.value);
      assert.equal(stale.status, 401);
      assert.equal(stale.json.errors[0]?.warren_code, 'WARREN_API_KEY_ROLLED');
      assert.match(stale.json.errors[0]?.message ?? '', /warren login|service user/);
      assert.equal((await h.call('GET', '/zones', undefined, loose.value)).status, 200);
      const svc = await h.call<MemberResult>('POST', `/accounts/${h.accountId}/service_users`, {
        name: 'ci-bot',
        roles: [READ_ONLY],
      });
      assert.equal(svc.status, 200, JSON.stringify(svc.json));
      const svcToken = svc.json.result.token?.value as string;
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/cfd_tunnel`, undefined, svcToken)).status, 200);
      const members = await h.call<MemberResult[]>('GET', `/accounts/${h.accountId}/members`);
      assert.equal(members.json.result.length, 3);
      const last = members.json.result.find((x) => x.user.email === ADMIN_EMAIL) as MemberResult;
      await h.call('DELETE', `/accounts/${h.accountId}/members/${m.json.result.id}`);
      const lastAdmin = await h.call('DELETE', `/accounts/${h.accountId}/members/${last.id}`);
      assert.equal(lastAdmin.status, 400);
      assert.match(lastAdmin.json.errors[0]?.message ?? '', /last super administrator/);
    });

    test('the audit log records changes, filters by action.type, actor.email, since/before, and pages', async () => {
      const all = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?per_page=1000`);
      const types = new Set(all.json.result.map((e) => e.action.type));
      for (const t of [
        'zone_create',
        'zone_delete',
        'rec_add',
        'rec_set',
        'rec_del',
        'tunnel_create',
        'tunnel_delete',
      ]) {
        assert.ok(types.has(t), `no ${t} entry`);
      }
      for (const t of [
        'token_create',
        'token_roll',
        'token_delete',
        'member_add',
        'member_update',
        'member_remove',
        'api_key_roll',
      ]) {
        assert.ok(types.has(t), `no ${t} entry`);
      }
      const first = all.json.result[0] as AuditResult;
      assert.equal(first.owner.id, h.accountId);
      assert.ok(
        all.json.result.every((e, i, a) => i === 0 || (a[i - 1] as AuditResult).when >= e.when),
        'newest first',
      );
      const zones = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?action.type=zone_create`);
      assert.ok(zones.json.result.length >= 1 && zones.json.result.every((e) => e.action.type === 'zone_create'));
      const mine = await h.call<AuditResult[]>(
        'GET',
        `/accounts/${h.accountId}/audit_logs?actor.email=${ADMIN_EMAIL}&per_page=2&page=2`,
      );
      assert.equal(mine.json.result.length, 2);
      assert.ok(mine.json.result.every((e) => e.actor.email === ADMIN_EMAIL));
      const future = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?since=2999-01-01`);
      assert.equal(future.json.result.length, 0);
      const past = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?before=2000-01-01`);
      assert.equal(past.json.result.length, 0);
      const bad = await h.call('GET', `/accounts/${h.accountId}/audit_logs?since=yesterday-ish`);
      assert.equal(bad.status, 400);
      // Append-only: no route edits or deletes entries (the path exists for GET only: 405).
      assert.equal((await h.call('DELETE', `/accounts/${h.accountId}/audit_logs`)).status, 405);
    });

    test('over a real socket: listen on port 0 and speak HTTP', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = h.app.server.address();
      assert.ok(typeof addr === 'object' && addr !== null);
      const res = await fetch(`http://127.0.0.1:${addr.port}/client/v4/user/tokens/verify`, {
        headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { success: boolean; result: { status: string } };
      assert.equal(body.result.status, 'active');
      const created = await fetch(`http://127.0.0.1:${addr.port}/client/v4/zones`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', 'content-type': 'application/json' },
        body: JSON.stringify({ account: { id: h.accountId }, name: 'socket.example' }),
      });
      assert.equal(created.status, 200);
      const health = await fetch(`http://127.0.0.1:${addr.port}/healthz`);
      assert.equal(health.status, 200);
    });
  });
}
