import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

const ZONE = 'files.test';
const sqlite = DIALECTS[0] as (typeof DIALECTS)[number];

describe('BIND zone files: export and import', () => {
  let h: ControlHarness;
  let zoneId: string;

  const exportText = async (): Promise<string> => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/client/v4/zones/${zoneId}/dns_records/export`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    return res.body;
  };
  const importText = async (text: string, as: 'text' | 'multipart' = 'text') => {
    const boundary = '----warrenboundary7';
    const payload =
      as === 'text'
        ? text
        : `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="zone.txt"\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--${boundary}\r\nContent-Disposition: form-data; name="proxied"\r\n\r\nfalse\r\n--${boundary}--\r\n`;
    const res = await h.app.inject({
      method: 'POST',
      url: `/client/v4/zones/${zoneId}/dns_records/import`,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': as === 'text' ? 'text/plain' : `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
    return {
      status: res.statusCode,
      json: res.json() as { success: boolean; result: { recs_added: number } | null; errors: { message: string }[] },
    };
  };
  const deleteAll = async (): Promise<void> => {
    const list = await h.call<{ id: string }[]>('GET', `/zones/${zoneId}/dns_records?per_page=5000`);
    for (const r of list.json.result) await h.call('DELETE', `/zones/${zoneId}/dns_records/${r.id}`);
  };
  const body = (text: string): string =>
    text
      .split('\n')
      .filter((l) => !l.startsWith(';; Exported'))
      .join('\n');

  before(async () => {
    h = await startControl(sqlite);
    const z = await h.call<{ id: string }>('POST', '/zones', {
      name: ZONE,
      type: 'full',
      account: { id: h.accountId },
    });
    zoneId = z.json.result.id;
    const add = async (b: Record<string, unknown>): Promise<void> => {
      const r = await h.call('POST', `/zones/${zoneId}/dns_records`, b);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
    };
    await add({ type: 'A', name: '@', content: '198.51.100.1', ttl: 3600 });
    await add({ type: 'A', name: 'proxied', content: '198.51.100.2', proxied: true });
    await add({ type: 'AAAA', name: 'www', content: '2001:db8::1' });
    await add({
      type: 'CNAME',
      name: 'app',
      content: '6ff42ae2-765d-4adf-8112-31c55c1551ef.tunnel.warren.localhost',
      proxied: true,
    });
    await add({ type: 'CNAME', name: 'docs', content: 'www.files.test', ttl: 120 });
    await add({ type: 'A', name: '*.wild', content: '198.51.100.9' });
    await add({ type: 'TXT', name: '@', content: 'v=spf1 -all' });
    await add({ type: 'TXT', name: 'quote', content: 'say "hi" \\ bye' });
    await add({ type: 'TXT', name: 'long', content: 'z'.repeat(600) });
    await add({ type: 'MX', name: '@', content: 'mail.files.test', priority: 10 });
    await add({
      type: 'SRV',
      name: '_sip._tcp',
      data: { priority: 1, weight: 2, port: 5060, target: 'sip.files.test' },
    });
    await add({ type: 'CAA', name: '@', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
    await add({ type: 'NS', name: 'lab', content: 'ns1.lab-host.example' });
    await add({ type: 'PTR', name: '10.rev', content: 'host.files.test' });
  });

  after(async () => {
    await h?.close();
  });

  test('export → import round-trips a zone with every record type', async () => {
    const first = await exportText();
    assert.match(first, /^\$ORIGIN files\.test\.$/m);
    assert.match(first, /^proxied\.files\.test\.\t1\tIN\tA\t198\.51\.100\.2 ; cf_tags=cf-proxied:true$/m);
    assert.match(first, /^_sip\._tcp\.files\.test\.\t1\tIN\tSRV\t1 2 5060 sip\.files\.test\.$/m);
    assert.match(first, /^files\.test\.\t1\tIN\tCAA\t0 issue "letsencrypt\.org"$/m);
    assert.match(first, /^lab\.files\.test\.\t1\tIN\tNS\tns1\.lab-host\.example\.$/m);
    assert.match(first, /^10\.rev\.files\.test\.\t1\tIN\tPTR\thost\.files\.test\.$/m);
    for (const as of ['text', 'multipart'] as const) {
      await deleteAll();
      const r = await importText(first, as);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      assert.equal(r.json.result?.recs_added, 14);
      assert.equal(body(await exportText()), body(first), `round trip (${as})`);
    }
  });

  test('a zone file from elsewhere: $TTL, relative names, @, blank owners, parentheses; SOA and NS skipped', async () => {
    await deleteAll();
    const r = await importText(
      [
        '$ORIGIN files.test.',
        '$TTL 600',
        '@ IN SOA ns1.other. hostmaster.other. ( 1 7200 3600',
        '     1209600 300 )',
        '@ IN NS ns1.other.',
        'host 300 IN A 198.51.100.20 ; a comment',
        '     IN AAAA 2001:db8::20',
        'mail IN MX 5 host',
        'txt IN TXT "one" "two"',
      ].join('\n'),
    );
    assert.equal(r.status, 200, JSON.stringify(r.json.errors));
    assert.equal(r.json.result?.recs_added, 4);
    const text = await exportText();
    assert.match(text, /^host\.files\.test\.\t300\tIN\tA\t198\.51\.100\.20$/m);
    assert.match(text, /^host\.files\.test\.\t600\tIN\tAAAA\t2001:db8::20$/m);
    assert.match(text, /^mail\.files\.test\.\t600\tIN\tMX\t5 host\.files\.test\.$/m);
    assert.match(text, /^txt\.files\.test\.\t600\tIN\tTXT\t"one" "two"$/m);
  });

  test('one bad record imports nothing and names the problem', async () => {
    await deleteAll();
    const r = await importText(['ok IN A 198.51.100.1', 'bad IN A not-an-address'].join('\n'));
    assert.equal(r.status, 400);
    assert.match(r.json.errors[0]?.message ?? '', /A bad\.files\.test: .*not an IPv4 address.*nothing was imported/);
    const list = await h.call<unknown[]>('GET', `/zones/${zoneId}/dns_records`);
    assert.equal(list.json.result.length, 0);
    const naptr = await importText('x IN NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.test!" .');
    assert.match(naptr.json.errors[0]?.message ?? '', /line 1: NAPTR records are not supported/);
  });
});
