import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DnsService, startDnsService } from '../src/dns/index.js';
import { Store } from '../src/store/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';

const DOMAIN = 'warren.localhost';
const EDGE_V4 = '192.0.2.10';
const EDGE_V6 = '2001:db8::10';
const NS_V4 = '192.0.2.53';
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function serial(soaLine: string | undefined): number {
  const m = /SOA \S+ \S+ (\d+) /.exec(soaLine ?? '');
  assert.ok(m, `an SOA record: ${soaLine}`);
  return Number(m[1]);
}

for (const dialect of DIALECTS) {
  describe(`authoritative DNS for full zones (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let dns: DnsService;
    let zoneId: string;
    let tunnelId: string;
    const zone = 'example.test';

    const record = async (body: Record<string, unknown>): Promise<string> => {
      const r = await h.call<{ id: string }>('POST', `/zones/${zoneId}/dns_records`, body);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      return r.json.result.id;
    };

    before(async () => {
      h = await startControl(dialect);
      dns = await startDnsService({
        store: h.store,
        domain: DOMAIN,
        bind: '127.0.0.1',
        port: 0,
        addresses: { edge: [EDGE_V4, EDGE_V6], ns: [NS_V4] },
        logger: quietLogger,
      });
      // Through the API, as a user would (full zones; auto-activated on a loopback deployment).
      const z = await h.call<{ id: string; status: string }>('POST', '/zones', {
        name: zone,
        type: 'full',
        account: { id: h.accountId },
      });
      assert.equal(z.status, 200, JSON.stringify(z.json.errors));
      zoneId = z.json.result.id;
      const t = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'dns-test' });
      tunnelId = t.json.result.id;
      await record({ type: 'CNAME', name: 'app', content: `${tunnelId}.tunnel.${DOMAIN}`, proxied: true });
      // Unproxied, but pointing at a tunnel: the UUID must not leak either.
      await record({ type: 'CNAME', name: 'sneaky', content: `${tunnelId}.tunnel.${DOMAIN}`, proxied: false });
      await record({ type: 'A', name: 'proxied-a', content: '198.51.100.7', proxied: true });
      await record({ type: 'A', name: 'www', content: '198.51.100.1' });
      await record({ type: 'AAAA', name: 'www', content: '2001:db8::1' });
      await record({ type: 'CNAME', name: 'alias', content: `www.${zone}` });
      await record({ type: 'CNAME', name: 'alias2', content: `alias.${zone}` });
      await record({ type: 'CNAME', name: 'outside', content: 'www.elsewhere.test' });
      await record({ type: 'A', name: '*.wild', content: '198.51.100.9' });
      await record({ type: 'TXT', name: 'deep.ent', content: 'below an empty non-terminal' });
      await record({ type: 'MX', name: '@', content: `mail.${zone}`, priority: 10 });
      await record({
        type: 'SRV',
        name: `_sip._tcp.${zone}`,
        data: { priority: 1, weight: 2, port: 5060, target: `sip.${zone}` },
      });
      await record({ type: 'CAA', name: '@', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
      await record({ type: 'TXT', name: 'long', content: 'x'.repeat(600) });
      // A large TXT set: more than fits in 1232 bytes of UDP.
      for (let i = 0; i < 12; i++) await record({ type: 'TXT', name: 'big', content: `${i}-${'y'.repeat(200)}` });
      await eventually(async () => (await dig(dns.port, ['big.example.test', 'TXT', '+tcp'])).answer.length === 12);
    });

    after(async () => {
      await dns?.close();
      await h?.close();
    });

    test('proxied names answer with the edge addresses and never a tunnel UUID, over UDP and TCP', async () => {
      for (const transport of [[], ['+tcp']]) {
        for (const name of ['app', 'sneaky', 'proxied-a']) {
          const a = await dig(dns.port, [`${name}.${zone}`, 'A', ...transport]);
          assert.equal(a.status, 'NOERROR');
          assert.deepEqual(a.answer, [`${name}.${zone}. 300 IN A ${EDGE_V4}`]);
          assert.doesNotMatch(a.raw, UUID_RE);
          assert.ok(!a.raw.includes(tunnelId));
          const aaaa = await dig(dns.port, [`${name}.${zone}`, 'AAAA', ...transport]);
          assert.deepEqual(aaaa.answer, [`${name}.${zone}. 300 IN AAAA ${EDGE_V6}`]);
          const cname = await dig(dns.port, [`${name}.${zone}`, 'CNAME', ...transport]);
          assert.doesNotMatch(cname.raw, UUID_RE, 'not even when asked for the CNAME');
          const any = await dig(dns.port, [`${name}.${zone}`, 'ANY', ...transport]);
          assert.doesNotMatch(any.raw, UUID_RE);
        }
      }
      assert.ok(!(await dig(dns.port, [`proxied-a.${zone}`, 'A'])).raw.includes('198.51.100.7'), 'origin IP hidden');
    });

    test('the service domain answers *.tunnel, *.cdn, *.quick, *.access with the edge and ns1/ns2 with --ns-address', async () => {
      for (const n of [`${tunnelId}.tunnel`, 'www.example.com.cdn', 'four-words-here.quick', 'team.access', 'edge']) {
        const r = await dig(dns.port, [`${n}.${DOMAIN}`, 'A']);
        assert.deepEqual(r.answer, [`${n}.${DOMAIN}. 300 IN A ${EDGE_V4}`]);
        assert.ok(r.flags.includes('aa'));
      }
      const ns = await dig(dns.port, [`ns2.${DOMAIN}`, 'A']);
      assert.deepEqual(ns.answer, [`ns2.${DOMAIN}. 86400 IN A ${NS_V4}`]);
      const apexNs = await dig(dns.port, [zone, 'NS']);
      assert.deepEqual(apexNs.answer.sort(), [
        `${zone}. 86400 IN NS ns1.${DOMAIN}.`,
        `${zone}. 86400 IN NS ns2.${DOMAIN}.`,
      ]);
    });

    test('answers are authoritative, every record type the API stores is served', async () => {
      const a = await dig(dns.port, [`www.${zone}`, 'A']);
      assert.equal(a.status, 'NOERROR');
      assert.ok(a.flags.includes('aa') && !a.flags.includes('ra'));
      assert.deepEqual(a.answer, [`www.${zone}. 300 IN A 198.51.100.1`]);
      assert.deepEqual((await dig(dns.port, [`www.${zone}`, 'AAAA'])).answer, [`www.${zone}. 300 IN AAAA 2001:db8::1`]);
      assert.deepEqual((await dig(dns.port, [zone, 'MX'])).answer, [`${zone}. 300 IN MX 10 mail.${zone}.`]);
      assert.deepEqual((await dig(dns.port, [`_sip._tcp.${zone}`, 'SRV'])).answer, [
        `_sip._tcp.${zone}. 300 IN SRV 1 2 5060 sip.${zone}.`,
      ]);
      assert.deepEqual((await dig(dns.port, [zone, 'CAA'])).answer, [`${zone}. 300 IN CAA 0 issue "letsencrypt.org"`]);
      // TXT longer than 255 bytes goes out as several character-strings.
      const long = await dig(dns.port, [`long.${zone}`, 'TXT']);
      assert.deepEqual(long.answer, [
        `long.${zone}. 300 IN TXT "${'x'.repeat(255)}" "${'x'.repeat(255)}" "${'x'.repeat(90)}"`,
      ]);
    });

    test('CNAME targets inside the zone are chased in the answer; outside ones are not', async () => {
      const r = await dig(dns.port, [`alias2.${zone}`, 'A']);
      assert.deepEqual(r.answer, [
        `alias2.${zone}. 300 IN CNAME alias.${zone}.`,
        `alias.${zone}. 300 IN CNAME www.${zone}.`,
        `www.${zone}. 300 IN A 198.51.100.1`,
      ]);
      const out = await dig(dns.port, [`outside.${zone}`, 'A']);
      assert.equal(out.status, 'NOERROR');
      assert.deepEqual(out.answer, [`outside.${zone}. 300 IN CNAME www.elsewhere.test.`]);
      const asked = await dig(dns.port, [`alias.${zone}`, 'CNAME']);
      assert.deepEqual(asked.answer, [`alias.${zone}. 300 IN CNAME www.${zone}.`]);
    });

    test('wildcards match per RFC 4592; NXDOMAIN and NODATA carry the SOA with the negative TTL', async () => {
      const w = await dig(dns.port, [`anything.wild.${zone}`, 'A']);
      assert.deepEqual(w.answer, [`anything.wild.${zone}. 300 IN A 198.51.100.9`]);
      const deep = await dig(dns.port, [`a.b.wild.${zone}`, 'A']);
      assert.deepEqual(deep.answer, [`a.b.wild.${zone}. 300 IN A 198.51.100.9`]);
      const wildNodata = await dig(dns.port, [`anything.wild.${zone}`, 'TXT']);
      assert.equal(wildNodata.status, 'NOERROR');
      assert.equal(wildNodata.answer.length, 0);
      // The wildcard's parent exists (an empty non-terminal): NODATA, not a wildcard match.
      const parent = await dig(dns.port, [`wild.${zone}`, 'A']);
      assert.equal(parent.status, 'NOERROR');
      assert.equal(parent.answer.length, 0);
      // An empty non-terminal (ent.example.test owns nothing but deep.ent does) exists.
      const ent = await dig(dns.port, [`ent.${zone}`, 'A']);
      assert.equal(ent.status, 'NOERROR');
      assert.match(ent.authority[0] ?? '', /^example\.test\. 300 IN SOA /);

      const nx = await dig(dns.port, [`missing.${zone}`, 'A']);
      assert.equal(nx.status, 'NXDOMAIN');
      assert.ok(nx.flags.includes('aa'));
      assert.equal(nx.answer.length, 0);
      assert.match(
        nx.authority[0] ?? '',
        new RegExp(`^${zone}\\. 300 IN SOA ns1\\.${DOMAIN}\\. hostmaster\\.${zone}\\. \\d+ \\d+ \\d+ \\d+ 300$`),
      );
      const nodata = await dig(dns.port, [`www.${zone}`, 'TXT']);
      assert.equal(nodata.status, 'NOERROR');
      assert.equal(nodata.answer.length, 0);
      assert.match(nodata.authority[0] ?? '', /IN SOA /);
    });

    test('names outside the zones are REFUSED: never a resolver', async () => {
      for (const name of ['example.com', 'test', 'other.test', '.']) {
        const r = await dig(dns.port, [name, 'A', '+rec']);
        assert.equal(r.status, 'REFUSED', name);
        assert.ok(!r.flags.includes('aa') && !r.flags.includes('ra'));
        assert.equal(r.answer.length, 0);
      }
      const axfr = await dig(dns.port, [zone, 'AXFR']);
      assert.match(axfr.raw, /Transfer failed|REFUSED/);
    });

    test('a zone on partial setup is not answered for', async () => {
      const z = await h.call<{ id: string }>('POST', '/zones', {
        name: 'partial.test',
        type: 'partial',
        account: { id: h.accountId },
      });
      await h.call('POST', `/zones/${z.json.result.id}/dns_records`, {
        type: 'A',
        name: 'www',
        content: '198.51.100.3',
      });
      const r = await dig(dns.port, ['www.partial.test', 'A']);
      assert.equal(r.status, 'REFUSED');
    });

    test('a pending full zone answers its NS bare, so a resolver can follow the delegation, and serves records only once active', async () => {
      // Written to the store as pending: the harness auto-activates zones made through the API.
      const z = await h.store.zones.createZone({ accountId: h.accountId, name: 'pending-full.test', type: 'full' });
      await h.store.zones.createRecord({
        zone_id: z.id,
        account_id: h.accountId,
        name: 'www.pending-full.test',
        type: 'A',
        content: '198.51.100.77',
        proxied: 0,
        ttl: 60,
        priority: null,
        comment: null,
        tags: '[]',
        data: null,
      });
      await h.store.feed.publish('zones');
      const ns = await eventually(
        async () => {
          const r = await dig(dns.port, ['pending-full.test', 'NS']);
          return r.status === 'NOERROR' && r.answer.length > 0 ? r : undefined;
        },
        5_000,
        'the pending zone to be served bare',
      );
      assert.deepEqual(ns.answer.map((a) => a.split(/\s+/).pop()).sort(), [`ns1.${DOMAIN}.`, `ns2.${DOMAIN}.`]);
      const www = await dig(dns.port, ['www.pending-full.test', 'A']);
      assert.equal(www.status, 'NXDOMAIN', 'no record of a pending zone is served');
      assert.doesNotMatch(www.raw, /198\.51\.100\.77/);
      await h.store.zones.activateZone(z.id);
      await h.store.feed.publish('zones');
      await eventually(
        async () => (await dig(dns.port, ['www.pending-full.test', 'A'])).answer[0]?.endsWith('198.51.100.77'),
        5_000,
        'the record once the zone is active',
      );
    });

    test('a zone inside the service domain or inside another account’s zone is never served', async () => {
      // The API refuses both; written straight to the store, as a bug or a race elsewhere could.
      const other = await h.store.identity.createAccount('hostile');
      const takeOver = async (accountId: string, name: string): Promise<void> => {
        const z = await h.store.zones.createZone({ accountId, name, type: 'full', activate: true });
        await h.store.zones.createRecord({
          zone_id: z.id,
          account_id: accountId,
          name: `*.${name}`,
          type: 'A',
          content: '203.0.113.66',
          proxied: 0,
          ttl: 60,
          priority: null,
          comment: null,
          tags: '[]',
          data: null,
        });
      };
      await takeOver(other.id, `tunnel.${DOMAIN}`);
      await takeOver(other.id, `victim.${zone}`);
      await takeOver(h.accountId, `own.${zone}`); // the same account may split its zone
      await h.store.feed.publish('zones');
      await eventually(
        async () => (await dig(dns.port, [`x.own.${zone}`, 'A'])).answer[0]?.endsWith('203.0.113.66'),
        5_000,
        'the reload',
      );
      const t = await dig(dns.port, [`${tunnelId}.tunnel.${DOMAIN}`, 'A']);
      assert.deepEqual(t.answer, [`${tunnelId}.tunnel.${DOMAIN}. 300 IN A ${EDGE_V4}`]);
      const v = await dig(dns.port, [`x.victim.${zone}`, 'A']);
      assert.equal(v.status, 'NXDOMAIN');
      assert.doesNotMatch(v.raw, /203\.0\.113\.66/);
    });

    test('ANY is answered minimally (RFC 8482)', async () => {
      const r = await dig(dns.port, [zone, 'ANY']);
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer, [`${zone}. 3600 IN HINFO "RFC8482" ""`]);
    });

    test('a large answer is truncated (TC) over UDP and served whole over TCP', async () => {
      const udp = await dig(dns.port, [`big.${zone}`, 'TXT', '+ignore']);
      assert.ok(udp.flags.includes('tc'), udp.raw);
      assert.equal(udp.answer.length, 0);
      const tcp = await dig(dns.port, [`big.${zone}`, 'TXT', '+tcp']);
      assert.ok(!tcp.flags.includes('tc'));
      assert.equal(tcp.answer.length, 12);
    });

    test('EDNS: the buffer size is honoured, our own is advertised, other versions get BADVERS', async () => {
      // ~2 × 600-byte TXT: too big for 512 bytes, fits in 1232.
      const plain = await dig(dns.port, [`long.${zone}`, 'TXT', '+noedns', '+ignore']);
      assert.ok(plain.flags.includes('tc'), 'no EDNS: 512 bytes');
      assert.equal(plain.edns, undefined, 'no OPT without one in the query');
      const small = await dig(dns.port, [`long.${zone}`, 'TXT', '+bufsize=512', '+ignore']);
      assert.ok(small.flags.includes('tc'), 'EDNS with 512 bytes');
      const big = await dig(dns.port, [`long.${zone}`, 'TXT', '+bufsize=4096', '+ignore']);
      assert.ok(!big.flags.includes('tc'));
      assert.equal(big.answer.length, 1);
      assert.match(big.edns ?? '', /version: 0, flags:; udp: 1232/);
      const v1 = await dig(dns.port, [`www.${zone}`, 'A', '+edns=1', '+noednsnegotiation']);
      assert.equal(v1.status, 'BADVERS');
      assert.equal(v1.answer.length, 0);
    });

    test('the query case is echoed in the question and the answer (0x20)', async () => {
      const r = await dig(dns.port, ['WwW.ExAmPlE.tEsT', 'A']);
      assert.deepEqual(r.question, ['WwW.ExAmPlE.tEsT. IN A']);
      assert.deepEqual(r.answer, ['WwW.ExAmPlE.tEsT. 300 IN A 198.51.100.1']);
      const nx = await dig(dns.port, ['NoPe.ExAmPlE.tEsT', 'A', '+tcp']);
      assert.deepEqual(nx.question, ['NoPe.ExAmPlE.tEsT. IN A']);
      assert.equal(nx.status, 'NXDOMAIN');
    });

    test('an API change is answered within a second and grows the SOA serial', async () => {
      const before = serial((await dig(dns.port, [zone, 'SOA'])).answer[0]);
      const id = await record({ type: 'A', name: 'fresh', content: '198.51.100.77' });
      const changedAt = Date.now();
      await eventually(
        async () => (await dig(dns.port, [`fresh.${zone}`, 'A'])).answer[0]?.endsWith('198.51.100.77'),
        1000,
        'the new record answered within 1 s',
      );
      assert.ok(Date.now() - changedAt < 1000);
      const afterAdd = serial((await dig(dns.port, [zone, 'SOA'])).answer[0]);
      assert.ok(afterAdd > before, `${afterAdd} > ${before}`);
      // A deletion leaves no modification time behind; the serial grows all the same.
      await h.call('DELETE', `/zones/${zoneId}/dns_records/${id}`);
      await eventually(
        async () => (await dig(dns.port, [`fresh.${zone}`, 'A'])).status === 'NXDOMAIN',
        1000,
        'the deletion answered within 1 s',
      );
      const afterDelete = serial((await dig(dns.port, [zone, 'SOA'])).answer[0]);
      assert.ok(afterDelete > afterAdd, `${afterDelete} > ${afterAdd}`);
    });

    test('another process on the same PostgreSQL answers an API change within a second', {
      skip: dialect.name === 'postgres' ? false : 'PostgreSQL only: SQLite is one process',
    }, async () => {
      // A second store (its own pool and LISTEN connection) stands for a separate `warren dns`.
      const other = await Store.open({ dataDir: h.dataDir, databaseUrl: h.databaseUrl, logger: quietLogger });
      const far = await startDnsService({
        store: other,
        domain: DOMAIN,
        bind: '127.0.0.1',
        port: 0,
        addresses: { edge: [EDGE_V4], ns: [NS_V4] },
        logger: quietLogger,
      });
      try {
        await record({ type: 'A', name: 'cross', content: '198.51.100.88' });
        await eventually(
          async () => (await dig(far.port, [`cross.${zone}`, 'A'])).answer[0]?.endsWith('198.51.100.88'),
          1000,
          'the other process answers within 1 s',
        );
      } finally {
        await far.close();
        await other.close();
      }
    });
  });
}
