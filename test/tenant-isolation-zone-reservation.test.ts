import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { ZoneResult } from './support/control-types.js';
import { startCli, tempDir } from './support/warren-processes.js';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`a zone cannot reserve names it does not hold (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let clock: ManualClock;
    let B: string;
    let tokenB: string;

    before(async () => {
      clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
      // Not loopback-only: full zones stay pending until delegated.
      h = await startControl(dialect, { clock, zoneAutoActivate: false });
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      B = (await h.store.identity.createAccount('tenant-b')).id;
      await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
    });
    after(async () => {
      await h?.close();
    });

    test('public suffixes (Public Suffix List, ICANN and private) are refused with WARREN_ZONE_PUBLIC_SUFFIX', async () => {
      for (const name of ['co.uk', 'github.io', 'com.au', 'blogspot.com', 'CO.UK.']) {
        for (const type of ['full', 'partial']) {
          const r = await h.call('POST', '/zones', { account: { id: h.accountId }, name, type });
          assert.equal(r.status, 400, name);
          assert.equal(r.json.errors[0]?.warren_code, 'WARREN_ZONE_PUBLIC_SUFFIX', name);
          assert.match(r.json.errors[0]?.message ?? '', /public suffix/);
        }
      }
      // A registrable name below one is fine, and does not block its neighbours.
      for (const [name, token] of [
        ['mine.co.uk', undefined],
        ['yours.co.uk', tokenB],
        ['me.github.io', undefined],
        ['you.github.io', tokenB],
      ] as const) {
        const account = token === undefined ? h.accountId : B;
        const r = await h.call('POST', '/zones', { account: { id: account }, name }, token);
        assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.json.errors)}`);
      }
    });

    test('a pending zone reserves its name for 28 days; then another account gets it and the old zone is gone, audited', async () => {
      const held = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'squat.test' }))
        .json.result;
      assert.equal(held.status, 'pending');
      // An app on the pending zone goes with it.
      const app = (
        await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/access/apps`, { domain: 'app.squat.test' })
      ).json.result;
      const refused = await h.call('POST', '/zones', { account: { id: B }, name: 'app.squat.test' }, tokenB);
      assert.equal(refused.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP');
      await clock.advance(28 * DAY_MS - 1000);
      const still = await h.call('POST', '/zones', { account: { id: B }, name: 'squat.test' }, tokenB);
      assert.equal(still.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP', 'within the bound');
      await clock.advance(2000);
      const taken = await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'squat.test' }, tokenB);
      assert.equal(taken.status, 200, JSON.stringify(taken.json.errors));
      assert.equal((await h.call('GET', `/zones/${held.id}`)).status, 404, 'the expired zone is gone');
      assert.equal((await h.call('GET', `/accounts/${h.accountId}/access/apps/${app.id}`)).status, 404);
      const log = await h.call<
        { action: { type: string }; resource: { id: string }; metadata: Record<string, unknown> }[]
      >('GET', `/accounts/${h.accountId}/audit_logs?action.type=zone_delete`);
      const entry = log.json.result.find((e) => e.resource.id === held.id);
      assert.equal(entry?.metadata.reason, 'pending_expired');
    });

    test('the background sweep removes expired pending zones; active ones, and pending ones within the bound, stay', async () => {
      const old = (await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'old.test' }, tokenB)).json
        .result;
      await clock.advance(20 * DAY_MS);
      const young = (await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'young.test' }, tokenB))
        .json.result;
      const live = (await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'live.test' }, tokenB)).json
        .result;
      await h.store.zones.activateZone(live.id);
      await clock.advance(9 * DAY_MS);
      assert.ok((await h.control.pendingZones.runOnce()) >= 1);
      assert.equal((await h.call('GET', `/zones/${old.id}`, undefined, tokenB)).status, 404);
      assert.equal((await h.call('GET', `/zones/${young.id}`, undefined, tokenB)).status, 200);
      assert.equal((await h.call('GET', `/zones/${live.id}`, undefined, tokenB)).status, 200);
      const log = await h.call<
        { resource: { id: string }; actor: { type: string }; metadata: Record<string, unknown> }[]
      >('GET', `/accounts/${B}/audit_logs?action.type=zone_delete`, undefined, tokenB);
      const entry = log.json.result.find((e) => e.resource.id === old.id);
      assert.equal(entry?.metadata.reason, 'pending_expired');
      assert.equal(entry?.actor.type, 'Cloudflare', 'done by warren itself');
    });
  });

  describe(`invitations expire after 7 days (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let clock: ManualClock;
    let inviteeToken: string;

    before(async () => {
      clock = new ManualClock(Date.parse('2026-02-01T00:00:00Z'));
      h = await startControl(dialect, { clock });
      const invitee = await h.store.identity.createUser({ email: 'late@example.test', kind: 'person' });
      inviteeToken = (await h.store.identity.createToken({ userId: invitee.id, name: 'own', policies: [] })).value;
    });
    after(async () => {
      await h?.close();
    });

    interface Invite {
      id: string;
      status: string;
      expires_on: string;
      invited_on: string;
    }

    test('an expired invitation shows as expired and cannot be accepted; a new invitation can', async () => {
      const roles = (await h.call<{ id: string; name: string }[]>('GET', `/accounts/${h.accountId}/roles`)).json.result;
      const role = roles.find((r) => r.name === 'Administrator Read Only') ?? roles[roles.length - 1];
      const invite = { email: 'late@example.test', roles: [role?.id] };
      assert.equal((await h.call('POST', `/accounts/${h.accountId}/members`, invite)).status, 200);
      const [mine] = (await h.call<Invite[]>('GET', '/user/invites', undefined, inviteeToken)).json.result;
      assert.ok(mine !== undefined);
      assert.equal(mine.status, 'pending');
      assert.equal(Date.parse(mine.expires_on) - Date.parse(mine.invited_on), 7 * DAY_MS);

      await clock.advance(7 * DAY_MS);
      const seen = (await h.call<Invite>('GET', `/user/invites/${mine.id}`, undefined, inviteeToken)).json.result;
      assert.equal(seen.status, 'expired');
      for (const [method, url] of [
        ['PATCH', `/user/invites/${mine.id}`],
        ['PUT', `/memberships/${mine.id}`],
      ] as const) {
        const r = await h.call(method, url, { status: 'accepted' }, inviteeToken);
        assert.equal(r.status, 410, url);
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_INVITE_EXPIRED');
        assert.match(r.json.errors[0]?.message ?? '', /invite you again/);
      }
      const members = (
        await h.call<{ user: { email: string }; status: string }[]>('GET', `/accounts/${h.accountId}/members`)
      ).json.result;
      assert.equal(members.find((m) => m.user.email === 'late@example.test')?.status, 'pending', 'nothing granted');

      // The administrator invites again: a new 7 days, and this time it is accepted.
      assert.equal((await h.call('POST', `/accounts/${h.accountId}/members`, invite)).status, 200);
      const again = (await h.call<Invite>('PATCH', `/user/invites/${mine.id}`, { status: 'accepted' }, inviteeToken))
        .json;
      assert.equal(again.result.status, 'accepted', JSON.stringify(again.errors));
    });
  });
}

describe('warren serve: the bounds are options with WARREN_* variables', () => {
  test('--pending-zone-expiry-days and --allow-private-idp-addresses are listed with their variables; a bad value is refused in one line', async () => {
    const help = startCli(['serve', '--help']);
    assert.equal(await help.exited, 0);
    const text = help.stdout().replace(/\s+/g, ' ');
    assert.match(text, /--pending-zone-expiry-days <n>.*\(default: 28, env: WARREN_PENDING_ZONE_EXPIRY_DAYS\)/);
    assert.match(text, /--allow-private-idp-addresses \[bool\].*env: WARREN_ALLOW_PRIVATE_IDP_ADDRESSES/);
    const bad = startCli(['serve', '--pending-zone-expiry-days', '0', '--data-dir', tempDir()]);
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.stderr(), /--pending-zone-expiry-days/);
  });
});
