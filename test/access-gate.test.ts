import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessGate, type GateApp } from '../src/access/index.js';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import { eventually } from './support/eventually.js';

describe('the Access gate cache', () => {
  let h: ControlHarness;
  let gate: AccessGate;
  let B: string;
  let tokenB: string;
  const acc = (a: string) => `/accounts/${a}/access`;

  before(async () => {
    h = await startControl(DIALECTS[0] as (typeof DIALECTS)[0]);
    const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
    B = (await h.store.identity.createAccount('tenant-b')).id;
    await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
    tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
    await h.call('POST', '/zones', { account: { id: h.accountId }, name: 'gate.test' });
    await h.call('POST', '/zones', { account: { id: B }, name: 'b-gate.test' }, tokenB);
    await h.call('POST', `${acc(h.accountId)}/organizations`, {
      name: 'A',
      auth_domain: 'gate.access.warren.localhost',
    });
    gate = new AccessGate(h.store);
    await gate.start();
  });
  after(async () => {
    gate?.close();
    await h?.close();
  });

  test('apps and policies created through the API reach the gate through the change feed; deletes leave it', async () => {
    assert.equal(gate.lookup('app.gate.test', '/'), undefined, 'nothing protected yet');
    const app = (
      await h.call<{ id: string; aud: string }>('POST', `${acc(h.accountId)}/apps`, { domain: 'app.gate.test' })
    ).json.result;
    await h.call('POST', `${acc(h.accountId)}/apps/${app.id}/policies`, {
      name: 'staff',
      decision: 'allow',
      include: [{ email_domain: { domain: 'gate.test' } }],
    });
    const found = (await eventually(() => {
      const a = gate.lookup('APP.gate.test:443', '/x');
      return a !== undefined && a.policies.length === 1 ? a : undefined;
    })) as GateApp;
    assert.equal(found.aud, app.aud);
    assert.equal(found.teamDomain, 'gate.access.warren.localhost');
    assert.equal(gate.evaluate(found, { ip: '192.0.2.1', email: 'x@gate.test' }).decision, 'allow');
    assert.equal(gate.evaluate(found, { ip: '192.0.2.1', email: 'x@evil.test' }).decision, 'deny');
    const admin = (await h.call<{ id: string }>('POST', `${acc(h.accountId)}/apps`, { domain: 'app.gate.test/admin' }))
      .json.result;
    await eventually(() => gate.lookup('app.gate.test', '/admin/users')?.id === admin.id);
    assert.equal(gate.lookup('app.gate.test', '/other')?.id, app.id, 'the most specific path wins');
    await h.call('DELETE', `${acc(h.accountId)}/apps/${admin.id}`);
    await eventually(() => gate.lookup('app.gate.test', '/admin')?.id === app.id);
  });

  test("a policy naming another account's group does not match through it", async () => {
    const groupB = (
      await h.call<{ id: string }>('POST', `${acc(B)}/groups`, { name: 'all', include: [{ everyone: {} }] }, tokenB)
    ).json.result;
    const app = (await h.call<{ id: string }>('POST', `${acc(h.accountId)}/apps`, { domain: 'grp.gate.test' })).json
      .result;
    await h.call('POST', `${acc(h.accountId)}/apps/${app.id}/policies`, {
      name: 'borrowed group',
      decision: 'allow',
      include: [{ group: { id: groupB.id } }],
    });
    const found = (await eventually(() => {
      const a = gate.lookup('grp.gate.test', '/');
      return a !== undefined && a.policies.length === 1 ? a : undefined;
    })) as GateApp;
    assert.equal(gate.evaluate(found, { ip: '192.0.2.1', email: 'anyone@x.test' }).decision, 'deny');
  });

  test('wildcard apps cover subdomains at any depth, not the apex', async () => {
    const w = (await h.call<{ id: string }>('POST', `${acc(h.accountId)}/apps`, { domain: '*.w.gate.test' })).json
      .result;
    await eventually(() => gate.lookup('a.b.w.gate.test', '/')?.id === w.id);
    assert.equal(gate.lookup('w.gate.test', '/'), undefined);
  });

  test('service tokens are checked from memory, for their own account only, and a deleted one is refused at once', async () => {
    const app = (await h.call<{ id: string }>('POST', `${acc(h.accountId)}/apps`, { domain: 'svc.gate.test' })).json
      .result;
    const tok = (
      await h.call<{ id: string; client_id: string; client_secret: string }>(
        'POST',
        `${acc(h.accountId)}/service_tokens`,
        {
          name: 'ci',
        },
      )
    ).json.result;
    const tokB = (
      await h.call<{ id: string; client_id: string; client_secret: string }>(
        'POST',
        `${acc(B)}/service_tokens`,
        { name: 'b' },
        tokenB,
      )
    ).json.result;
    const found = (await eventually(() => gate.lookup('svc.gate.test', '/'))) as GateApp;
    assert.equal(found.id, app.id);
    await eventually(() => gate.serviceToken(found, tok.client_id, tok.client_secret, new Date()) === tok.id);
    assert.equal(gate.serviceToken(found, tok.client_id, 'f'.repeat(64), new Date()), undefined, 'wrong secret');
    await eventually(() => gate.reload().then(() => true));
    assert.equal(
      gate.serviceToken(found, tokB.client_id, tokB.client_secret, new Date()),
      undefined,
      "another account's token",
    );
    await h.call('DELETE', `${acc(h.accountId)}/service_tokens/${tok.id}`);
    await eventually(() => gate.serviceToken(found, tok.client_id, tok.client_secret, new Date()) === undefined);
  });
});
