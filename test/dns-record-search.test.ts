import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

interface RecordResult {
  id: string;
  name: string;
  type: string;
  content: string;
}

for (const dialect of DIALECTS) {
  describe(`DNS record search and paging on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let zoneId: string;
    const list = async (query: string) => {
      const r = await h.call<RecordResult[]>('GET', `/zones/${zoneId}/dns_records?${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      return r.json;
    };
    const names = async (query: string) => (await list(query)).result.map((r) => r.name);

    before(async () => {
      h = await startControl(dialect);
      zoneId = (await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'example.com' }))
        .json.result.id;
      const records = [
        { type: 'A', name: 'www', content: '192.0.2.1', comment: 'Front door' },
        { type: 'A', name: 'api', content: '192.0.2.2' },
        { type: 'AAAA', name: 'api', content: '2001:db8::2' },
        { type: 'TXT', name: 'mail_x', content: 'v=spf1 -all' },
        { type: 'TXT', name: 'mailbox', content: 'hello' },
        { type: 'CNAME', name: 'docs', content: 'www.example.com' },
      ];
      for (const r of records) {
        const res = await h.call('POST', `/zones/${zoneId}/dns_records`, r);
        assert.equal(res.status, 200, JSON.stringify(res.json.errors));
      }
    });
    after(async () => h?.close());

    test('search finds text in the name, content or comment, whatever its case', async () => {
      assert.deepEqual(await names('search=API&order=type'), ['api.example.com', 'api.example.com']);
      assert.deepEqual(await names('search=front'), ['www.example.com']);
      assert.deepEqual(await names('search=spf1'), ['mail_x.example.com']);
      // Content "www.example.com" and name "www.example.com" both match.
      assert.deepEqual((await names('search=www')).sort(), ['docs.example.com', 'www.example.com']);
    });

    test('search treats LIKE wildcards as plain text', async () => {
      assert.deepEqual(await names('search=mail_'), ['mail_x.example.com']);
      assert.deepEqual(await names('search=%25'), []);
    });

    test('search is ANDed with the filters; match=any joins the filters with OR', async () => {
      assert.deepEqual(await names('search=api&type=AAAA'), ['api.example.com']);
      const any = await list('match=any&type=CNAME&content=192.0.2.1&order=name');
      assert.deepEqual(
        any.result.map((r) => `${r.type} ${r.name}`),
        ['CNAME docs.example.com', 'A www.example.com'],
      );
      assert.deepEqual(await names('match=all&type=CNAME&content=192.0.2.1'), []);
    });

    test('pages and orders the results, with the total in result_info', async () => {
      const first = await list('order=name&direction=desc&per_page=4&page=1');
      assert.deepEqual(
        first.result.map((r) => r.name),
        ['www.example.com', 'mailbox.example.com', 'mail_x.example.com', 'docs.example.com'],
      );
      assert.equal(first.result_info?.total_count, 6);
      assert.equal(first.result_info?.total_pages, 2);
      const second = await list('order=name&direction=desc&per_page=4&page=2');
      assert.deepEqual(
        second.result.map((r) => r.name),
        ['api.example.com', 'api.example.com'],
      );
    });

    test('an unknown order or match is refused with the parameter named', async () => {
      for (const q of ['order=secret', 'match=some']) {
        const r = await h.call('GET', `/zones/${zoneId}/dns_records?${q}`);
        assert.equal(r.status, 400);
        assert.match(r.json.errors[0]?.message ?? '', new RegExp(q.split('=')[0] ?? ''));
      }
    });
  });
}
