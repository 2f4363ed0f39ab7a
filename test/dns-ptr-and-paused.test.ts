import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DnsService, startDnsService } from '../src/dns/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';

const DOMAIN = 'warren.localhost';
const EDGE_V4 = '192.0.2.10';
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

for (const dialect of DIALECTS) {
  describe(`PTR records, delegations in the API, paused zones (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let dns: DnsService;

    const zone = async (name: string): Promise<string> => {
      const z = await h.call<{ id: string }>('POST', '/zones', { name, type: 'full', account: { id: h.accountId } });
      assert.equal(z.status, 200, JSON.stringify(z.json.errors));
      return z.json.result.id;
    };
    const record = async (zoneId: string, body: Record<string, unknown>) =>
      h.call<{ id: string }>('POST', `/zones/${zoneId}/dns_records`, body);

    before(async () => {
      h = await startControl(dialect);
      dns = await startDnsService({
        store: h.store,
        domain: DOMAIN,
        bind: '127.0.0.1',
        port: 0,
        addresses: { edge: [EDGE_V4], ns: ['192.0.2.53'] },
        logger: quietLogger,
      });
    });
    after(async () => {
      await dns?.close();
      await h?.close();
    });

    test('a PTR record in a reverse zone answers dig -x, over UDP and TCP', async () => {
      const rev = await zone('100.51.198.in-addr.arpa');
      const r = await record(rev, { type: 'PTR', name: '7', content: 'web.example.test' });
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      await eventually(async () => (await dig(dns.port, ['-x', '198.51.100.7'])).answer.length === 1);
      for (const transport of [[], ['+tcp']]) {
        const a = await dig(dns.port, ['-x', '198.51.100.7', ...transport]);
        assert.equal(a.status, 'NOERROR');
        assert.ok(a.flags.includes('aa'));
        assert.deepEqual(a.answer, ['7.100.51.198.in-addr.arpa. 300 IN PTR web.example.test.']);
      }
      const bad = await record(rev, { type: 'PTR', name: '8', content: 'not a hostname' });
      assert.equal(bad.status, 400);
    });

    test('NS records delegate a subdomain; the apex NS are warren’s own and refused', async () => {
      const id = await zone('deleg.test');
      const apex = await record(id, { type: 'NS', name: '@', content: 'ns.elsewhere.test' });
      assert.equal(apex.status, 400);
      assert.match(apex.json.errors[0]?.message ?? '', /apex of deleg\.test are warren's own/);
      const wild = await record(id, { type: 'NS', name: '*.sub', content: 'ns.elsewhere.test' });
      assert.equal(wild.status, 400);
      const sub = await record(id, { type: 'NS', name: 'sub', content: 'ns.elsewhere.test' });
      assert.equal(sub.status, 200, JSON.stringify(sub.json.errors));
      await eventually(async () => (await dig(dns.port, ['a.sub.deleg.test', 'A'])).authority.length === 1);
      const apexNs = await dig(dns.port, ['deleg.test', 'NS']);
      assert.deepEqual(apexNs.answer.sort(), [
        `deleg.test. 86400 IN NS ns1.${DOMAIN}.`,
        `deleg.test. 86400 IN NS ns2.${DOMAIN}.`,
      ]);
    });

    test('a paused zone is DNS-only: proxied records answer with their own content, a tunnel’s UUID stays hidden', async () => {
      const id = await zone('paused.test');
      const t = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'paused-t' });
      for (const b of [
        { type: 'A', name: 'site', content: '198.51.100.44', proxied: true },
        { type: 'CNAME', name: 'blog', content: 'blog.host.example', proxied: true },
        { type: 'CNAME', name: 'app', content: `${t.json.result.id}.tunnel.${DOMAIN}`, proxied: true },
      ]) {
        const r = await record(id, b);
        assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      }
      await eventually(async () => (await dig(dns.port, ['site.paused.test', 'A'])).answer.length === 1);
      assert.deepEqual((await dig(dns.port, ['site.paused.test', 'A'])).answer, [
        `site.paused.test. 300 IN A ${EDGE_V4}`,
      ]);

      const paused = await h.call('PATCH', `/zones/${id}`, { paused: true });
      assert.equal(paused.status, 200, JSON.stringify(paused.json.errors));
      await eventually(
        async () => (await dig(dns.port, ['site.paused.test', 'A'])).answer[0]?.endsWith('198.51.100.44') === true,
        2000,
        'paused: the origin address',
      );
      assert.deepEqual((await dig(dns.port, ['blog.paused.test', 'A'])).answer, [
        'blog.paused.test. 300 IN CNAME blog.host.example.',
      ]);
      const app = await dig(dns.port, ['app.paused.test', 'CNAME']);
      assert.doesNotMatch(app.raw, UUID_RE);
      assert.deepEqual((await dig(dns.port, ['app.paused.test', 'A'])).answer, [
        `app.paused.test. 300 IN A ${EDGE_V4}`,
      ]);

      await h.call('PATCH', `/zones/${id}`, { paused: false });
      await eventually(
        async () => (await dig(dns.port, ['site.paused.test', 'A'])).answer[0]?.endsWith(EDGE_V4) === true,
        2000,
        'unpaused: the edge again',
      );
    });
  });
}
