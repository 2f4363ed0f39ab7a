import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { ManagementTokens } from '../src/control/tunnels/tunnel-management-token.js';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

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
  });
}
