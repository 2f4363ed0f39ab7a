import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dnsNsLookup } from '../src/control/index.js';
import { type DnsService, startDnsService } from '../src/dns/index.js';
import type { Clock } from '../src/store/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import type { ZoneResult } from './support/control-types.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';

const DOMAIN = 'warren.localhost';
const MINUTE = 60_000;

interface CheckAnswer {
  id: string;
  zone_status: string;
  name_servers?: string[];
  instructions: string[];
}

for (const dialect of DIALECTS) {
  describe(`full zones activate when a real parent zone delegates them (${dialect.name})`, {
    skip: dialect.skip,
  }, () => {
    // The parent: another warren, serving parent.test over DNS on loopback.
    let parent: ControlHarness;
    let parentDns: DnsService;
    let parentZone: string;
    // The child's warren, whose --verify-resolver is the parent's server; its clock moves by hand.
    let child: ControlHarness;
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(nowMs) };

    const parentRecord = async (body: Record<string, unknown>): Promise<string> => {
      const r = await parent.call<{ id: string }>('POST', `/zones/${parentZone}/dns_records`, body);
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      return r.json.result.id;
    };
    const status = async (id: string): Promise<string> =>
      (await child.call<ZoneResult>('GET', `/zones/${id}`)).json.result.status;

    before(async () => {
      parent = await startControl(dialect, { domain: 'parent-warren.localhost' });
      parentDns = await startDnsService({
        store: parent.store,
        domain: 'parent-warren.localhost',
        bind: '127.0.0.1',
        port: 0,
        addresses: { edge: ['192.0.2.1'], ns: ['192.0.2.2'] },
        logger: quietLogger,
      });
      parentZone = (
        await parent.call<ZoneResult>('POST', '/zones', { account: { id: parent.accountId }, name: 'parent.test' })
      ).json.result.id;
      child = await startControl(dialect, {
        zoneAutoActivate: false,
        clock,
        nsLookup: dnsNsLookup(`127.0.0.1:${parentDns.port}`, 2_000),
      });
    });
    after(async () => {
      await child?.close();
      await parentDns?.close();
      await parent?.close();
    });

    test('a name below a delegation gets a referral: NS in authority, not authoritative, glue for in-zone servers', async () => {
      await parentRecord({ type: 'NS', name: 'glued', content: 'ns.glued.parent.test' });
      await parentRecord({ type: 'A', name: 'ns.glued', content: '198.51.100.53' });
      await parentRecord({ type: 'A', name: 'www', content: '198.51.100.80' });
      await eventually(async () => (await dig(parentDns.port, ['x.glued.parent.test', 'A'])).authority.length === 1);
      for (const transport of [[], ['+tcp']]) {
        const r = await dig(parentDns.port, ['Deep.X.Glued.Parent.Test', 'A', ...transport]);
        assert.equal(r.status, 'NOERROR');
        assert.ok(!r.flags.includes('aa'), 'a referral is not authoritative');
        assert.deepEqual(r.answer, []);
        assert.deepEqual(r.authority, ['Glued.Parent.Test. 300 IN NS ns.glued.parent.test.']);
        assert.deepEqual(r.additional, ['ns.glued.parent.test. 300 IN A 198.51.100.53']);
      }
      // At the cut itself, NS is a referral too; the parent's own names stay authoritative.
      const atCut = await dig(parentDns.port, ['glued.parent.test', 'NS']);
      assert.ok(!atCut.flags.includes('aa'));
      assert.deepEqual(atCut.answer, []);
      assert.equal(atCut.authority.length, 1);
      const www = await dig(parentDns.port, ['www.parent.test', 'A']);
      assert.ok(www.flags.includes('aa'));
      assert.deepEqual(www.answer, ['www.parent.test. 300 IN A 198.51.100.80']);
    });

    test('the background check activates a delegated zone, each zone backing off from 1 minute, doubling', async () => {
      const made = await child.call<ZoneResult>('POST', '/zones', {
        account: { id: child.accountId },
        name: 'kid.parent.test',
      });
      assert.equal(made.status, 200, JSON.stringify(made.json.errors));
      const zone = made.json.result;
      assert.equal(zone.status, 'pending');
      assert.deepEqual(zone.name_servers, [`ns1.${DOMAIN}`, `ns2.${DOMAIN}`]);

      // Delegated elsewhere first: checked, not activated, next check in 1 minute.
      const elsewhere = await parentRecord({ type: 'NS', name: 'kid', content: 'ns1.elsewhere.test' });
      await eventually(async () => (await dig(parentDns.port, ['kid.parent.test', 'NS'])).authority.length === 1);
      assert.equal(await child.control.zoneDelegation.runOnce(), 0);
      assert.equal(await child.control.zoneDelegation.nextCheckAt(zone.id), nowMs + MINUTE);
      nowMs += MINUTE;
      assert.equal(await child.control.zoneDelegation.runOnce(), 0);
      assert.equal(await child.control.zoneDelegation.nextCheckAt(zone.id), nowMs + 2 * MINUTE, 'the interval doubles');

      // The owner fixes the delegation at the parent: not looked at before the zone is due.
      assert.equal((await parent.call('DELETE', `/zones/${parentZone}/dns_records/${elsewhere}`)).status, 200);
      await parentRecord({ type: 'NS', name: 'kid', content: `ns1.${DOMAIN}` });
      await parentRecord({ type: 'NS', name: 'kid', content: `ns2.${DOMAIN}` });
      await eventually(async () => (await dig(parentDns.port, ['kid.parent.test', 'NS'])).authority.length === 2);
      nowMs += MINUTE;
      assert.equal(await child.control.zoneDelegation.runOnce(), 0, 'not due yet');
      assert.equal(await status(zone.id), 'pending');
      nowMs += MINUTE;
      assert.equal(await child.control.zoneDelegation.runOnce(), 1);
      assert.equal(await status(zone.id), 'active');
      assert.equal(await child.control.zoneDelegation.nextCheckAt(zone.id), undefined);
    });

    test('PUT activation_check says what to set at the registrar, then activates once the parent delegates', async () => {
      const zone = (
        await child.call<ZoneResult>('POST', '/zones', { account: { id: child.accountId }, name: 'now.parent.test' })
      ).json.result;
      const before = await child.call<CheckAnswer>('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal(before.status, 200, JSON.stringify(before.json.errors));
      assert.equal(before.json.result.zone_status, 'pending');
      assert.deepEqual(before.json.result.name_servers, [`ns1.${DOMAIN}`, `ns2.${DOMAIN}`]);
      assert.match(
        before.json.result.instructions.join('\n'),
        new RegExp(`at its registrar, set its name servers to ns1\\.${DOMAIN} and ns2\\.${DOMAIN}`),
      );

      await parentRecord({ type: 'NS', name: 'now', content: `ns1.${DOMAIN}` });
      await parentRecord({ type: 'NS', name: 'now', content: `ns2.${DOMAIN}` });
      await eventually(async () => (await dig(parentDns.port, ['now.parent.test', 'NS'])).authority.length === 2);
      const done = await child.call<CheckAnswer>('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal(done.json.result.zone_status, 'active');
      assert.deepEqual(done.json.result.instructions, []);
      assert.equal(await status(zone.id), 'active');
    });
  });
}
