import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { createUserWithToken, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { ManagementTokens } from '../src/control/tunnels/tunnel-management-token.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

type ApiFailure = Error & { status?: number; errors?: { message: string; source?: { pointer?: string } }[] };

// Issue 29: the calls of Cloudflare's official client that used to fail against warren.
for (const dialect of DIALECTS) {
  describe(`Cloudflare's client, the calls of issue 29, on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let cf: Cloudflare;
    let base = '';
    before(async () => {
      h = await startControl(dialect);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = h.app.server.address();
      assert.ok(typeof addr === 'object' && addr !== null);
      base = `http://127.0.0.1:${addr.port}/client/v4`;
      cf = new Cloudflare({ apiToken: ADMIN_TOKEN, baseURL: base, maxRetries: 0 });
    });
    after(async () => {
      await h?.close();
    });

    test('tunnels.cloudflared.management.create answers the token string, which opens that tunnel only', async () => {
      const t = await cf.zeroTrust.tunnels.cloudflared.create({
        account_id: h.accountId,
        name: 'mgmt-tunnel',
        tunnel_secret: Buffer.alloc(32, 2).toString('base64'),
        config_src: 'local',
      });
      const token = await cf.zeroTrust.tunnels.cloudflared.management.create(t.id as string, {
        account_id: h.accountId,
        resources: ['logs'],
      });
      assert.equal(typeof token, 'string');
      const claims = new ManagementTokens(h.store.secrets, h.store.clock).verify(token, t.id as string, 'logs');
      assert.equal(claims.tunnelId, t.id);
    });

    const names = async (zoneId: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const r of cf.dns.records.list({ zone_id: zoneId })) out.push(`${r.type} ${r.name} ${r.content}`);
      return out.sort();
    };

    test("dns.records.batch: deletes, patches, puts, posts in Cloudflare's order, in one audited transaction", async () => {
      const zone = await cf.zones.create({ account: { id: h.accountId }, name: 'batch.example', type: 'full' });
      const z = zone.id;
      const gone = await cf.dns.records.create({ zone_id: z, type: 'A', name: 'gone', content: '192.0.2.1', ttl: 1 });
      const patched = await cf.dns.records.create({ zone_id: z, type: 'A', name: 'p', content: '192.0.2.2', ttl: 1 });
      const put = await cf.dns.records.create({ zone_id: z, type: 'TXT', name: 'put', content: 'old', ttl: 300 });
      const r = await cf.dns.records.batch({
        zone_id: z,
        deletes: [{ id: gone.id }],
        patches: [{ id: patched.id, type: 'A', name: 'p.batch.example', content: '192.0.2.22', ttl: 1 }],
        puts: [{ id: put.id, type: 'TXT', name: 'put.batch.example', content: 'new', ttl: 300 }],
        // The delete runs first, so a post may take the deleted record's place.
        posts: [{ type: 'CNAME', name: 'gone', content: 'target.example', ttl: 1 }],
      });
      assert.deepEqual(
        r.deletes?.map((x) => x.id),
        [gone.id],
      );
      assert.equal(r.patches?.[0]?.content, '192.0.2.22');
      assert.equal(r.puts?.[0]?.content, 'new');
      assert.equal(r.posts?.[0]?.name, 'gone.batch.example');
      assert.deepEqual(await names(z), [
        'A p.batch.example 192.0.2.22',
        'CNAME gone.batch.example target.example',
        'TXT put.batch.example new',
      ]);
      const log = await h.call<{ action: { type: string }; resource: { id: string } }[]>(
        'GET',
        `/accounts/${h.accountId}/audit_logs?per_page=100`,
      );
      const actions = log.json.result
        .filter((e) => [gone.id, patched.id, put.id, r.posts?.[0]?.id].includes(e.resource.id))
        .map((e) => `${e.action.type} ${e.resource.id}`);
      for (const want of [`rec_del ${gone.id}`, `rec_set ${patched.id}`, `rec_set ${put.id}`]) {
        assert.ok(actions.includes(want), `${want} in ${actions.join(', ')}`);
      }
    });

    test('dns.records.batch whose last post is invalid changes nothing, and says which change failed', async () => {
      const zone = await cf.zones.create({ account: { id: h.accountId }, name: 'atomic.example', type: 'full' });
      const z = zone.id;
      const keep = await cf.dns.records.create({ zone_id: z, type: 'A', name: 'keep', content: '192.0.2.1', ttl: 1 });
      const before = await names(z);
      const auditBefore = (await h.call<unknown[]>('GET', `/accounts/${h.accountId}/audit_logs?per_page=1000`)).json
        .result.length;
      await assert.rejects(
        cf.dns.records.batch({
          zone_id: z,
          deletes: [{ id: keep.id }],
          posts: [
            { type: 'A', name: 'one', content: '192.0.2.3', ttl: 1 },
            { type: 'A', name: 'two', content: 'not-an-address', ttl: 1 },
          ],
        }),
        (err: ApiFailure) =>
          err.status === 400 &&
          /posts\[1\].*nothing in the batch was changed/.test(err.message) &&
          err.errors?.[0]?.source?.pointer === '/posts/1/content',
      );
      assert.deepEqual(await names(z), before);
      const auditAfter = (await h.call<unknown[]>('GET', `/accounts/${h.accountId}/audit_logs?per_page=1000`)).json
        .result.length;
      assert.equal(auditAfter, auditBefore, 'a failed batch leaves no audit entry');

      // The same rules as the single-record routes: a CNAME cannot join another record's name,
      // and a record another zone holds cannot be patched from this one.
      await assert.rejects(
        cf.dns.records.batch({ zone_id: z, posts: [{ type: 'CNAME', name: 'keep', content: 'x.example', ttl: 1 }] }),
        (err: ApiFailure) => err.status === 400 && /posts\[0\].*cannot share its name/.test(err.message),
      );
      const other = await cf.zones.create({ account: { id: h.accountId }, name: 'other.example', type: 'full' });
      await assert.rejects(
        cf.dns.records.batch({
          zone_id: other.id,
          patches: [{ id: keep.id, type: 'A', name: 'keep', content: '192.0.2.9', ttl: 1 }],
        }),
        (err: ApiFailure) => err.status === 404 && /patches\[0\]/.test(err.message),
      );
      assert.deepEqual(await names(z), before);
    });

    test('a batch over the limit is refused before anything runs', async () => {
      const zone = await cf.zones.create({ account: { id: h.accountId }, name: 'limit.example', type: 'full' });
      const posts = Array.from({ length: 501 }, (_, i) => ({ type: 'TXT', name: `t${i}`, content: 'x', ttl: 300 }));
      const over = await h.call('POST', `/zones/${zone.id}/dns_records/batch`, {
        deletes: Array.from({ length: 500 }, (_, i) => ({ id: `missing${i}` })),
        posts,
      });
      assert.equal(over.status, 400);
      assert.match(over.json.errors[0]?.message ?? '', /1001 changes; at most 1000/);
      assert.deepEqual(await names(zone.id), []);
    });
    const TUNNEL_READ = 'efea2ab8357b47888938f101ae5e053f';
    const TUNNEL_WRITE = 'c07321b023e944ff818fec44d8203567';
    const DNS_WRITE = '4755a26eedb94da69e1066d98aa820be';
    const MEMBERS_WRITE = '5bc3f8b21c554832afc660159ab75fa4';
    const policy = (accountId: string, ...groups: string[]) => ({
      effect: 'allow' as const,
      resources: { [`com.cloudflare.api.account.${accountId}`]: '*' },
      permission_groups: groups.map((id) => ({ id })),
    });
    const client = (token: string) => new Cloudflare({ apiToken: token, baseURL: base, maxRetries: 0 });
    const tunnelNames = async (c: Cloudflare): Promise<string[]> => {
      const out: string[] = [];
      for await (const t of c.zeroTrust.tunnels.cloudflared.list({ account_id: h.accountId })) out.push(t.name ?? '');
      return out;
    };

    test('accounts.tokens: create, list, get, update, verify, roll the value, delete', async () => {
      const a = h.accountId;
      const created = await cf.accounts.tokens.create({
        account_id: a,
        name: 'ci',
        policies: [policy(a, TUNNEL_READ)],
      });
      assert.ok(created.id && created.value);
      const listed = [];
      for await (const t of cf.accounts.tokens.list({ account_id: a })) listed.push(t.id);
      assert.deepEqual(listed, [created.id]);
      assert.equal((await cf.accounts.tokens.get(created.id, { account_id: a })).name, 'ci');
      // It is not the caller's own token.
      const mine = [];
      for await (const t of cf.user.tokens.list()) mine.push(t.id);
      assert.ok(!mine.includes(created.id));

      const ci = client(created.value);
      assert.equal((await ci.accounts.tokens.verify({ account_id: a })).status, 'active');
      await tunnelNames(ci);
      await assert.rejects(
        ci.zeroTrust.tunnels.cloudflared.create({ account_id: a, name: 'nope', config_src: 'local' }),
        (err: ApiFailure) => err.status === 403,
      );
      await assert.rejects(cf.accounts.tokens.verify({ account_id: a }), (err: ApiFailure) => err.status === 401);

      const updated = await cf.accounts.tokens.update(created.id, {
        account_id: a,
        name: 'ci-renamed',
        policies: [policy(a, TUNNEL_READ)],
      });
      assert.equal(updated.name, 'ci-renamed');
      const rolled = await cf.accounts.tokens.value.update(created.id, { account_id: a });
      assert.equal(typeof rolled, 'string');
      await assert.rejects(ci.accounts.tokens.verify({ account_id: a }), (err: ApiFailure) => err.status === 401);
      assert.equal((await client(rolled).accounts.tokens.verify({ account_id: a })).id, created.id);

      const log = await h.call<{ action: { type: string }; resource: { id: string } }[]>(
        'GET',
        `/accounts/${a}/audit_logs?per_page=1000`,
      );
      const actions = log.json.result.filter((e) => e.resource.id === created.id).map((e) => e.action.type);
      for (const want of ['token_create', 'token_update', 'token_roll']) assert.ok(actions.includes(want), want);
      assert.ok(!JSON.stringify(log.json.result).includes(rolled), 'no token value in the audit log');

      await cf.accounts.tokens.delete(created.id, { account_id: a });
      await assert.rejects(
        client(rolled).accounts.tokens.verify({ account_id: a }),
        (err: ApiFailure) => err.status === 401,
      );
      // The tokens' owner is no member anyone sees or manages.
      const members = [];
      for await (const m of cf.accounts.members.list({ account_id: a })) members.push(m.user?.email);
      assert.deepEqual(members, [ADMIN_EMAIL]);
    });

    test('an account token outlives the member who made it', async () => {
      const a = h.accountId;
      const b = await createUserWithToken(
        h.store,
        { email: 'leaver@sdk.example', accountName: 'leaver-own', tokenName: 'b' },
        { interface: 'warren admin', ip: '127.0.0.1' },
      );
      const m = await h.store.identity.addMember(a, b.user.id, [SUPER_ADMIN_ROLE_ID]);
      const t = await client(b.token).accounts.tokens.create({
        account_id: a,
        name: 'outlives',
        policies: [policy(a, TUNNEL_READ)],
      });
      await cf.accounts.members.delete(m.id, { account_id: a });
      await assert.rejects(tunnelNames(client(b.token)), (err: ApiFailure) => err.status === 404);
      assert.equal((await client(t.value ?? '').accounts.tokens.verify({ account_id: a })).status, 'active');
      await tunnelNames(client(t.value ?? ''));
    });

    test('no account token grants more than its creator holds, nor reaches outside the account', async () => {
      const a = h.accountId;
      const narrow = await cf.user.tokens.create({ name: 'narrow', policies: [policy(a, MEMBERS_WRITE, DNS_WRITE)] });
      const n = client(narrow.value ?? '');
      await assert.rejects(
        n.accounts.tokens.create({ account_id: a, name: 'wider', policies: [policy(a, TUNNEL_WRITE)] }),
        (err: ApiFailure) => err.status === 403 && /more than you may grant/.test(err.message),
      );
      const within = await n.accounts.tokens.create({ account_id: a, name: 'dns', policies: [policy(a, DNS_WRITE)] });
      // Nor may the narrow token widen or roll the account token into more than it holds.
      const wide = await cf.accounts.tokens.create({
        account_id: a,
        name: 'wide',
        policies: [policy(a, TUNNEL_WRITE)],
      });
      await assert.rejects(
        n.accounts.tokens.value.update(wide.id as string, { account_id: a }),
        (err: ApiFailure) => err.status === 403,
      );
      await assert.rejects(
        n.accounts.tokens.update(within.id as string, {
          account_id: a,
          name: 'dns',
          policies: [policy(a, TUNNEL_WRITE)],
        }),
        (err: ApiFailure) => err.status === 403,
      );
      const other = await createUserWithToken(
        h.store,
        { email: 'other@sdk.example', accountName: 'other-acct', tokenName: 'o' },
        { interface: 'warren admin', ip: '127.0.0.1' },
      );
      await assert.rejects(
        cf.accounts.tokens.create({ account_id: a, name: 'out', policies: [policy(other.account.id, TUNNEL_READ)] }),
        (err: ApiFailure) => err.status === 400 && /outside account/.test(err.message),
      );
      await assert.rejects(
        client(other.token).accounts.tokens.create({ account_id: a, name: 'x', policies: [policy(a, TUNNEL_READ)] }),
        (err: ApiFailure) => err.status === 404,
      );
    });
  });
}
