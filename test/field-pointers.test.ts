import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

interface ErrorItem {
  message: string;
  source?: { pointer: string };
}

/** The dashboard puts each refusal next to the field its `source.pointer` names. */
for (const dialect of DIALECTS.filter((d) => d.name === 'sqlite')) {
  describe('refusals of DNS records, certificate names and Access rules name their field', () => {
    let h: ControlHarness;
    let zoneId: string;
    before(async () => {
      h = await startControl(dialect);
      zoneId = (await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'example.com' }))
        .json.result.id;
      await h.call('POST', `/zones/${zoneId}/dns_records`, { type: 'A', name: 'taken', content: '192.0.2.1' });
    });
    after(async () => h?.close());

    const cases: [string, Record<string, unknown>, string][] = [
      ['a bad IPv4 address', { type: 'A', name: 'www', content: '192.0.2.999' }, '/content'],
      ['a missing content', { type: 'TXT', name: 'www' }, '/content'],
      ['a bad name', { type: 'A', name: 'bad name!', content: '192.0.2.1' }, '/name'],
      ['a TXT record proxied', { type: 'TXT', name: 'www', content: 'x', proxied: true }, '/proxied'],
      ['a TTL out of range', { type: 'A', name: 'www', content: '192.0.2.1', ttl: 5 }, '/ttl'],
      ['an MX without priority', { type: 'MX', name: 'mx', content: 'mail.example.com' }, '/priority'],
      ['a CNAME beside another record', { type: 'CNAME', name: 'taken', content: 'x.example.net' }, '/name'],
      ['a SRV without a port', { type: 'SRV', name: '_sip._tcp', data: { priority: 1, weight: 1 } }, '/data/port'],
    ];
    for (const [what, body, pointer] of cases) {
      test(`${what} points at ${pointer}`, async () => {
        const r = await h.call('POST', `/zones/${zoneId}/dns_records`, body);
        assert.equal(r.status, 400, JSON.stringify(r.json));
        const e = r.json.errors[0] as ErrorItem | undefined;
        assert.equal(e?.source?.pointer, pointer, e?.message);
      });
    }

    test('an origin certificate for a name outside your zones points at /hostnames', async () => {
      const r = await h.call('POST', '/certificates', {
        csr: 'not read: the names are checked first',
        hostnames: ['www.example.org'],
        request_type: 'origin-ecc',
      });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal((r.json.errors[0] as ErrorItem | undefined)?.source?.pointer, '/hostnames');
    });

    test('a bad Access rule points at its list and index', async () => {
      const app = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/access/apps`, {
        domain: 'wiki.example.com',
        type: 'self_hosted',
      });
      assert.equal(app.status, 200, JSON.stringify(app.json.errors));
      const r = await h.call('POST', `/accounts/${h.accountId}/access/apps/${app.json.result.id}/policies`, {
        name: 'staff',
        decision: 'allow',
        include: [{ everyone: {} }],
        exclude: [{ email_domain: { domain: 'example.com' } }, { email: { email: 'nobody' } }],
      });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal((r.json.errors[0] as ErrorItem | undefined)?.source?.pointer, '/exclude/1');
    });
  });
}
