import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClassicDnsCleanup } from '../src/control/jobs/classic-dns-cleanup.js';
import { Store } from '../src/store/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';

const postgres = DIALECTS.find((d) => d.name === 'postgres') as (typeof DIALECTS)[number];

/** Issue 23 items 7 and 10: three stores on one PostgreSQL stand for three processes. */
describe('jobs and limits across processes on one PostgreSQL', { skip: postgres.skip, timeout: 60_000 }, () => {
  let h: ControlHarness;
  const others: Store[] = [];

  before(async () => {
    h = await startControl(postgres);
    for (let i = 0; i < 2; i++) {
      others.push(await Store.open({ dataDir: h.dataDir, databaseUrl: h.databaseUrl, logger: quietLogger }));
    }
  });
  after(async () => {
    for (const s of others) await s.close();
    await h?.close();
  });

  test('a job runs in one process at a time: the others skip it while it runs', async () => {
    const [b, c] = others as [Store, Store];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((r) => {
      started = r;
    });
    const first = h.store.exclusive('test-job', async () => {
      started();
      await held;
      return 'a';
    });
    await running;
    assert.deepEqual(await b.exclusive('test-job', async () => 'b'), { ran: false });
    assert.deepEqual(await c.exclusive('test-job', async () => 'c'), { ran: false });
    assert.deepEqual(await c.exclusive('another-job', async () => 'c'), { ran: true, value: 'c' }, 'other jobs run');
    release();
    assert.deepEqual(await first, { ran: true, value: 'a' });
    assert.deepEqual(await b.exclusive('test-job', async () => 'b'), { ran: true, value: 'b' }, 'free again');
  });

  test('the classic DNS cleanup started in three processes at once deletes and audits the record once', async () => {
    const zone = await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'jobs.test' });
    const tunnel = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'classic' });
    const rec = await h.call<{ id: string }>('POST', `/zones/${zone.json.result.id}/dns_records`, {
      type: 'CNAME',
      name: 'old',
      content: `${tunnel.json.result.id}.cfargotunnel.com`,
    });
    assert.ok(rec.json.success, JSON.stringify(rec.json));
    await h.store.classic.add({
      record_id: rec.json.result.id,
      tunnel_id: tunnel.json.result.id,
      zone_id: zone.json.result.id,
      account_id: h.accountId,
      name: 'old.jobs.test',
      cleanup_after_ms: 0,
    });
    const jobs = [h.store, ...others].map((s) => new ClassicDnsCleanup(s, quietLogger));
    const deleted = await Promise.all(jobs.map((j) => j.runOnce()));
    assert.equal(
      deleted.reduce((a, b) => a + b, 0),
      1,
      JSON.stringify(deleted),
    );
    const audit = await h.call<{ action: { type: string }; resource: { id: string } }[]>(
      'GET',
      `/accounts/${h.accountId}/audit_logs?action.type=rec_del`,
    );
    assert.equal(audit.json.result.filter((e) => e.resource.id === rec.json.result.id).length, 1);
  });

  test('concurrent admissions through two processes never take an account past its running-tunnel limit', async () => {
    const stores = [h.store, ...others];
    const now = Date.now();
    const tries = Array.from({ length: 12 }, (_, i) =>
      (stores[i % stores.length] as Store).cluster.reserveTunnel(
        'limit-account',
        `tunnel-${i}`,
        3,
        now,
        now + 10_000,
        [],
      ),
    );
    const admitted = (await Promise.all(tries)).filter((r) => r.ok).length;
    assert.equal(admitted, 3);
    const again = await (others[0] as Store).cluster.reserveTunnel(
      'limit-account',
      'tunnel-99',
      3,
      now,
      now + 10_000,
      [],
    );
    assert.deepEqual(again, { ok: false, running: 3 });
  });
});
