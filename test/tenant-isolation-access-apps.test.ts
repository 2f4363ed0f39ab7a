import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessGate } from '../src/access/index.js';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { newUuid } from '../src/store/index.js';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { ZoneResult } from './support/control-types.js';
import { eventually } from './support/eventually.js';
import { accountOfA, adminCli, apiOf, signUpTenantB, tenantAEnv } from './support/two-tenants.js';
import { visit } from './support/visit.js';
import { type ServeHandle, startServe } from './support/warren-processes.js';

const TEAM_A = 'team-a.access.warren.localhost';
const TEAM_B = 'team-b.access.warren.localhost';

/** Where a visitor of `host` is sent: the team domain of the login it is redirected to, or its status. */
async function gateOf(serve: ServeHandle, host: string): Promise<string> {
  const r = await visit(serve.httpPort, host, '/echo');
  if (r.status !== 302) return String(r.status);
  return new URL(String(r.headers.location)).hostname;
}

for (const dialect of DIALECTS) {
  describe(`an Access app does not outlive its zone (${dialect.name})`, {
    skip: dialect.skip,
    timeout: 120_000,
  }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let serve: ServeHandle;
    const env = () => tenantAEnv(db.databaseUrl);
    const a = apiOf(() => serve, ADMIN_TOKEN);
    let b: ReturnType<typeof apiOf>;
    let accountA: string;
    let accountB: string;
    const acc = (account: string, p: string) => `/accounts/${account}/access${p}`;

    before(async () => {
      db = await dialect.fresh();
      serve = await startServe({ dataDir: db.dataDir, env: env() });
      accountA = await accountOfA(() => serve);
      ({ accountId: accountB, api: b } = await signUpTenantB(() => serve, db.databaseUrl));
      await a('POST', acc(accountA, '/organizations'), { name: 'A', auth_domain: TEAM_A });
      await b('POST', acc(accountB, '/organizations'), { name: 'B', auth_domain: TEAM_B });
    });
    after(async () => {
      await serve?.stop('SIGKILL');
      await db?.drop();
    });

    /** An app of `account` on `domain` with one policy; returns its id. */
    async function app(
      api: ReturnType<typeof apiOf>,
      account: string,
      domain: string,
      policy: Record<string, unknown>,
    ): Promise<string> {
      const made = await api<{ id: string }>('POST', acc(account, '/apps'), { name: domain, domain });
      assert.equal(made.status, 200, JSON.stringify(made.json.errors));
      const id = made.json.result.id;
      const p = await api('POST', acc(account, `/apps/${id}/policies`), { name: 'p', ...policy });
      assert.equal(p.status, 200, JSON.stringify(p.json.errors));
      return id;
    }

    test("after A deletes its zone, A's leftover bypass app does not open B's protected host of the same name", async () => {
      const zoneA = (await a<ZoneResult>('POST', '/zones', { account: { id: accountA }, name: 'left.test' })).json
        .result;
      const bypass = await app(a, accountA, 'app.left.test', { decision: 'bypass', include: [{ everyone: {} }] });
      assert.equal((await a('DELETE', `/zones/${zoneA.id}`)).status, 200);

      // A's app went with the zone: gone from A's API, recorded in A's audit log with why.
      assert.equal((await a('GET', acc(accountA, `/apps/${bypass}`))).status, 404);
      assert.equal((await a('PUT', acc(accountA, `/apps/${bypass}`), { domain: 'app.left.test' })).status, 404);
      const audit = await a<{ resource: { id: string }; metadata: Record<string, unknown> }[]>(
        'GET',
        `/accounts/${accountA}/audit_logs?action.type=access_app_delete`,
      );
      const entry = audit.json.result.find((e) => e.resource.id === bypass);
      assert.equal(entry?.metadata.reason, 'zone_deleted');
      assert.equal(entry?.metadata.zone_name, 'left.test');

      // B adds the name and protects the host for its own people only.
      const zoneB = await b<ZoneResult>('POST', '/zones', { account: { id: accountB }, name: 'left.test' });
      assert.equal(zoneB.status, 200, JSON.stringify(zoneB.json.errors));
      await app(b, accountB, 'app.left.test', {
        decision: 'allow',
        include: [{ email: { email: 'b@tenant-b.test' } }],
      });
      await eventually(async () => (await gateOf(serve, 'app.left.test')) === TEAM_B, 10_000, "B's login");
      for (let i = 0; i < 5; i++) assert.equal(await gateOf(serve, 'app.left.test'), TEAM_B);
    });

    test("after warren admin move-zone, visitors no longer go to the old team's login, and the old account cannot edit its apps", async () => {
      await a('POST', '/zones', { account: { id: accountA }, name: 'moved.test' });
      const old = await app(a, accountA, 'app.moved.test', {
        decision: 'allow',
        include: [{ email: { email: 'a@tenant-a.test' } }],
      });
      const wild = await app(a, accountA, '*.moved.test', { decision: 'bypass', include: [{ everyone: {} }] });
      await eventually(async () => (await gateOf(serve, 'app.moved.test')) === TEAM_A, 10_000, "A's login");

      await adminCli(serve, db.databaseUrl, ['move-zone', 'moved.test', '--account', 'tenant-b']);
      if (dialect.name === 'sqlite') {
        // SQLite has no cross-process change feed: serve sees the admin's write at its next safety
        // reload (a minute) or, here, a restart.
        await serve.stop('SIGTERM');
        serve = await startServe({ dataDir: db.dataDir, env: env() });
      }
      await eventually(async () => (await gateOf(serve, 'app.moved.test')) !== TEAM_A, 10_000, 'old login gone');

      for (const id of [old, wild]) {
        assert.equal((await a('GET', acc(accountA, `/apps/${id}`))).status, 404);
        assert.equal((await a('POST', acc(accountA, `/apps/${id}/revoke_tokens`))).status, 404);
      }
      assert.equal((await a('PUT', acc(accountA, `/apps/${old}`), { domain: 'app.moved.test' })).status, 404);
      const audit = await a<{ resource: { id: string }; metadata: Record<string, unknown> }[]>(
        'GET',
        `/accounts/${accountA}/audit_logs?action.type=access_app_delete`,
      );
      for (const id of [old, wild]) {
        assert.equal(audit.json.result.find((e) => e.resource.id === id)?.metadata.reason, 'zone_moved');
      }

      // The new owner protects the host with its own team.
      await app(b, accountB, 'app.moved.test', {
        decision: 'allow',
        include: [{ email: { email: 'b@tenant-b.test' } }],
      });
      await eventually(async () => (await gateOf(serve, 'app.moved.test')) === TEAM_B, 10_000, "B's login");
    });
  });

  describe(`the gate takes an app only from an active zone of its own account, however the row got there (${dialect.name})`, {
    skip: dialect.skip,
  }, () => {
    let h: ControlHarness;
    let gate: AccessGate;
    let B: string;
    let tokenB: string;

    before(async () => {
      h = await startControl(dialect, { zoneAutoActivate: false });
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      B = (await h.store.identity.createAccount('tenant-b')).id;
      await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      gate = new AccessGate(h.store);
      await gate.start();
    });
    after(async () => {
      gate?.close();
      await h?.close();
    });

    test("a row of A on B's name never gates; an app in a pending zone waits for its activation", async () => {
      const zoneB = (await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'b-own.test' }, tokenB))
        .json.result;
      await h.store.zones.activateZone(zoneB.id);
      const now = h.store.clock.now().toISOString();
      // Written straight into the database: no API check ran.
      for (const domain of ['app.b-own.test', '*.b-own.test']) {
        await h.store.access.insertApp({
          id: newUuid(),
          account_id: h.accountId,
          domain,
          aud: newUuid().replace(/-/g, '').repeat(2),
          data: JSON.stringify({ name: 'stale' }),
          created_at: now,
          updated_at: now,
          tokens_revoked_at: null,
        });
      }
      await gate.reload();
      assert.equal(gate.lookup('app.b-own.test', '/'), undefined);
      assert.equal(gate.lookup('x.b-own.test', '/'), undefined);

      // B's own app in B's pending zone takes effect when the zone goes active.
      const pending = (await h.call<ZoneResult>('POST', '/zones', { account: { id: B }, name: 'b-later.test' }, tokenB))
        .json.result;
      assert.equal(pending.status, 'pending');
      const mine = (
        await h.call<{ id: string }>('POST', `/accounts/${B}/access/apps`, { domain: 'app.b-later.test' }, tokenB)
      ).json.result;
      await gate.reload();
      assert.equal(gate.lookup('app.b-later.test', '/'), undefined, 'pending: not yet');
      await h.store.zones.activateZone(pending.id);
      await h.store.feed.publish('zones');
      await eventually(() => gate.lookup('app.b-later.test', '/')?.id === mine.id, 5_000, 'active: in effect');
    });
  });
}
