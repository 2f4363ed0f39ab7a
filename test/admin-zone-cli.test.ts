import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { ZoneResult } from './support/control-types.js';
import { CLI } from './support/warren-processes.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `warren admin …` as the operator runs it. */
function admin(args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.WARREN_DATA_DIR;
  delete env.WARREN_DATABASE_URL;
  const child = spawn(process.execPath, [CLI, 'admin', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

for (const dialect of DIALECTS) {
  describe(`warren admin move-zone and activate-zone (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let where: string[];
    let accountB: string;
    let accountC: string;

    const zoneMoves = async (accountId: string) =>
      (await h.store.audit.entries(accountId, { actionType: 'zone_move' }, { page: 1, perPage: 50 })).rows;

    before(async () => {
      h = await startControl(dialect, { zoneAutoActivate: false });
      where = ['--data-dir', h.dataDir, ...(h.databaseUrl === undefined ? [] : ['--database-url', h.databaseUrl])];
      accountB = (await h.store.identity.createAccount('tenant-b')).id;
      accountC = (await h.store.identity.createAccount('tenant-c')).id;
    });
    after(async () => {
      await h?.close();
    });

    test('move-zone hands a zone and its records to another account, audited in both; the API then refuses the old owner', async () => {
      const zone = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'Moving.test' }))
        .json.result;
      await h.call('POST', `/zones/${zone.id}/dns_records`, { type: 'A', name: 'www', content: '192.0.2.7' });
      const r = await admin(['move-zone', 'moving.test.', '--account', accountB, '-o', 'json', ...where]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), {
        zone: { id: zone.id, name: 'moving.test' },
        from: h.accountId,
        to: accountB,
      });
      assert.equal((await h.store.zones.zone(zone.id))?.account_id, accountB);
      const records = await h.store.zones.records(zone.id, {}, { page: 1, perPage: 10 });
      assert.ok(records.rows.every((x) => x.account_id === accountB));
      assert.equal((await zoneMoves(h.accountId)).length, 1);
      assert.equal((await zoneMoves(accountB)).length, 1);
      assert.equal((await zoneMoves(accountB))[0]?.actor_type, 'admin');
      assert.equal((await h.call('GET', `/zones/${zone.id}`)).status, 404, 'no longer visible to its old account');
      // By name (any case) or id, and an account by its name.
      const back = await admin(['move-zone', zone.id, '--account', 'default', ...where]);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /moved from account .* to /);
    });

    test("move-zone refuses a zone that overlaps a third account's zone, in one coded line", async () => {
      // Data from before the ownership rule: C owns a zone inside one of A's.
      await h.store.zones.createZone({ accountId: h.accountId, name: 'mid.test', type: 'full', activate: true });
      await h.store.zones.createZone({ accountId: accountC, name: 'c.mid.test', type: 'full', activate: true });
      const r = await admin(['move-zone', 'mid.test', '--account', accountB, ...where]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /contains the zone c\.mid\.test of another account.*\[WARREN_ZONE_OVERLAP\]\n$/);
      assert.ok(!r.stderr.includes(accountC), 'names no account id');
      assert.equal((await h.store.zones.zoneNamed('mid.test'))?.account_id, h.accountId, 'unchanged');
      const unknown = await admin(['move-zone', 'nowhere.test', '--account', accountB, ...where]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no zone "nowhere\.test".*\[WARREN_API_NOT_FOUND\]/);
    });

    test('activate-zone makes a pending full zone active (audited); again says it is active already', async () => {
      const zone = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'vouched.test' }))
        .json.result;
      assert.equal(zone.status, 'pending');
      const r = await admin(['activate-zone', 'vouched.test', ...where]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await h.call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result.status, 'active');
      const audit = await h.store.audit.entries(h.accountId, { actionType: 'zone_activate' }, { page: 1, perPage: 10 });
      assert.equal(audit.rows[0]?.resource_id, zone.id);
      assert.equal(audit.rows[0]?.actor_type, 'admin');
      const again = await admin(['activate-zone', 'vouched.test', ...where]);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /active already/);
    });
  });
}
