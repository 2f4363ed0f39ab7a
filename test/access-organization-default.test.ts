import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

interface Org {
  name: string;
  auth_domain: string;
  session_duration: string;
}

for (const dialect of DIALECTS) {
  describe(`Access organization (team domain) on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let B: string;
    let tokenB: string;
    const acc = (a: string) => `/accounts/${a}/access`;

    before(async () => {
      h = await startControl(dialect);
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      B = (await h.store.identity.createAccount('Acme Corp')).id;
      await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      assert.equal((await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'corp.test' })).status, 200);
      assert.equal((await h.call('POST', '/zones', { account: { id: B }, name: 'acme.test' }, tokenB)).status, 200);
    });
    after(async () => {
      await h?.close();
    });

    test('GET organizations on an account without one says so with its own code, not "list them first"', async () => {
      const r = await h.call('GET', `${acc(B)}/organizations`, undefined, tokenB);
      assert.equal(r.status, 404);
      const [e] = r.json.errors;
      assert.equal(e?.warren_code, 'WARREN_ACCESS_NO_ORGANIZATION');
      assert.equal(e?.code, 12130);
      assert.match(e?.message ?? '', /has no Access organization \(team domain\) yet/);
      assert.match(e?.message ?? '', /POST \/accounts\/.+\/access\/organizations/);
      assert.doesNotMatch(e?.message ?? '', /list them first/);
    });

    test("the account's first application creates a default team domain, and the answer says so", async () => {
      const created = await h.call<{ id: string; session_duration: string }>(
        'POST',
        `${acc(B)}/apps`,
        { name: 'Wiki', domain: 'wiki.acme.test' },
        tokenB,
      );
      assert.equal(created.status, 200);
      const org = await h.call<Org>('GET', `${acc(B)}/organizations`, undefined, tokenB);
      assert.equal(org.status, 200);
      assert.equal(org.json.result.auth_domain, 'acme-corp.access.warren.localhost');
      assert.equal(org.json.result.name, 'Acme Corp');
      assert.deepEqual(
        created.json.messages.map((m) => (m as { message: string }).message),
        [
          'This account had no Access team domain, so acme-corp.access.warren.localhost was created for it; change it with PUT …/access/organizations or in the dashboard (Access → Settings).',
        ],
      );
      // The second app finds it there: nothing created, nothing said.
      const second = await h.call('POST', `${acc(B)}/apps`, { name: 'Docs', domain: 'docs.acme.test' }, tokenB);
      assert.deepEqual(second.json.messages, []);
      const audit = await h.call<{ action: { type: string } }[]>(
        'GET',
        `/accounts/${B}/audit_logs?per_page=100`,
        undefined,
        tokenB,
      );
      assert.ok(audit.json.result.some((e) => e.action.type === 'access_organization_update'));
    });

    test('a taken default team name gets the account id added; an account with a team domain keeps it', async () => {
      // Account A takes "team" first, by hand; then a new account named "Team" makes its first app.
      const c = await h.call<Org>('PUT', `${acc(h.accountId)}/organizations`, { name: 'T', auth_domain: 'team' });
      assert.equal(c.json.result.auth_domain, 'team.access.warren.localhost', 'a bare team name is completed');
      const userC = await h.store.identity.createUser({ email: 'c@tenant-c.test', kind: 'person' });
      const C = (await h.store.identity.createAccount('Team')).id;
      await h.store.identity.addMember(C, userC.id, [SUPER_ADMIN_ROLE_ID]);
      const tokenC = (await h.store.identity.createToken({ userId: userC.id, name: 'c', policies: [] })).value;
      await h.call('POST', '/zones', { account: { id: C }, name: 'team.test' }, tokenC);
      await h.call('POST', `${acc(C)}/apps`, { domain: 'a.team.test' }, tokenC);
      const org = await h.call<Org>('GET', `${acc(C)}/organizations`, undefined, tokenC);
      const tag = C.replace(/[^a-z0-9]/gi, '')
        .slice(0, 8)
        .toLowerCase();
      assert.equal(org.json.result.auth_domain, `team-${tag}.access.warren.localhost`);
      await h.call('POST', `${acc(h.accountId)}/apps`, { domain: 'b.corp.test' });
      const kept = await h.call<Org>('GET', `${acc(h.accountId)}/organizations`);
      assert.equal(kept.json.result.auth_domain, 'team.access.warren.localhost');
    });

    test("the organization's session duration is the default of new applications; a bad one is refused", async () => {
      const put = await h.call<Org>(
        'PUT',
        `${acc(B)}/organizations`,
        { name: 'Acme', auth_domain: 'acme', session_duration: '6h' },
        tokenB,
      );
      assert.equal(put.status, 200);
      assert.equal(put.json.result.session_duration, '6h');
      const app = await h.call<{ session_duration: string }>(
        'POST',
        `${acc(B)}/apps`,
        { domain: 'six.acme.test' },
        tokenB,
      );
      assert.equal(app.json.result.session_duration, '6h');
      const own = await h.call<{ session_duration: string }>(
        'POST',
        `${acc(B)}/apps`,
        { domain: 'one.acme.test', session_duration: '1h' },
        tokenB,
      );
      assert.equal(own.json.result.session_duration, '1h');
      const bad = await h.call(
        'PUT',
        `${acc(B)}/organizations`,
        { name: 'x', auth_domain: 'acme', session_duration: 'forever' },
        tokenB,
      );
      assert.equal(bad.status, 400);
      const badTeam = await h.call('PUT', `${acc(B)}/organizations`, { name: 'x', auth_domain: 'no spaces' }, tokenB);
      assert.equal(badTeam.status, 400);
      assert.equal(
        (badTeam.json.errors[0] as { source?: { pointer?: string } } | undefined)?.source?.pointer,
        '/auth_domain',
      );
    });
  });
}
