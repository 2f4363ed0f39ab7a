import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConnectionTracker, NamedTunnelAuthenticator } from '../src/edge/index.js';
import { PROTOCOL_VERSION, proveSecret, type RegisterRequest } from '../src/protocol/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import type { AuditResult, TunnelResult } from './support/control-types.js';

const register = (tunnelId: string, secret: Buffer, nonce: string): RegisterRequest => ({
  version: PROTOCOL_VERSION,
  auth: { kind: 'secret', tunnelId, proof: proveSecret(secret, nonce) },
  connector: { connectorId: 'c-1', connIndex: 0, version: 'test', arch: 'x64', os: 'linux' },
  heartbeatMs: 5_000,
  initialWindow: 128 * 1024,
});

for (const dialect of DIALECTS) {
  describe(`PATCH /cfd_tunnel/{t} on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    before(async () => {
      h = await startControl(dialect);
    });
    after(async () => {
      await h.close();
    });

    test('a tunnel name keeps to the hint (letters, digits, dots, dashes, underscores) on create and rename (issue 20)', async () => {
      const base = `/accounts/${h.accountId}/cfd_tunnel`;
      const bad = await h.call('POST', base, { name: 'bad name!' });
      assert.equal(bad.status, 400, JSON.stringify(bad.json));
      const e = bad.json.errors[0] as { message?: string; source?: { pointer?: string } } | undefined;
      assert.equal(e?.source?.pointer, '/name');
      assert.match(e?.message ?? '', /letters, digits, dots, dashes and underscores/);
      const good = await h.call<TunnelResult>('POST', base, { name: 'web_app-1.v2' });
      assert.equal(good.status, 200);
      const renamed = await h.call('PATCH', `${base}/${good.json.result.id}`, { name: 'also bad!' });
      assert.equal(renamed.status, 400, JSON.stringify(renamed.json));
    });

    test('tunnel_secret rotates the secret: the old one no longer registers, the new one does, the audit log shows fingerprints only', async () => {
      const base = `/accounts/${h.accountId}/cfd_tunnel`;
      const created = await h.call<TunnelResult>('POST', base, { name: 'rotating' });
      assert.equal(created.status, 200);
      const t = created.json.result;
      const oldSecret = Buffer.from(t.credentials_file?.TunnelSecret ?? '', 'base64');
      const newSecret = randomBytes(32);
      const patched = await h.call<TunnelResult>('PATCH', `${base}/${t.id}`, {
        name: 'rotated',
        tunnel_secret: newSecret.toString('base64'),
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.json));
      assert.equal(patched.json.result.name, 'rotated');
      assert.ok(
        !JSON.stringify(patched.json).includes(newSecret.toString('base64')),
        'the answer never echoes the secret',
      );

      const token = await h.call<string>('GET', `${base}/${t.id}/token`);
      const s = (JSON.parse(Buffer.from(token.json.result, 'base64').toString('utf8')) as { s: string }).s;
      assert.equal(s, newSecret.toString('base64'));

      const auth = new NamedTunnelAuthenticator(h.store, new ConnectionTracker(h.store, 'test', quietLogger), 10);
      const nonce = randomBytes(16).toString('base64');
      const withOld = await auth.authenticate(register(t.id, oldSecret, nonce), nonce);
      assert.equal(withOld.ok, false);
      const withNew = await auth.authenticate(register(t.id, newSecret, nonce), nonce);
      assert.equal(withNew.ok, true);

      const log = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?action.type=tunnel_update`);
      const entry = log.json.result.find((e) => e.resource.id === t.id);
      assert.ok(entry, 'a tunnel_update entry');
      const text = JSON.stringify(log.json);
      assert.ok(text.includes('rotated'));
      assert.ok(!text.includes(newSecret.toString('base64')) && !text.includes(oldSecret.toString('base64')));
    });

    test('a bad tunnel_secret or an unknown field is refused and changes nothing', async () => {
      const base = `/accounts/${h.accountId}/cfd_tunnel`;
      const created = await h.call<TunnelResult>('POST', base, { name: 'kept' });
      const t = created.json.result;
      const before = await h.call<string>('GET', `${base}/${t.id}/token`);
      const cases: [unknown, RegExp][] = [
        [{ tunnel_secret: randomBytes(16).toString('base64') }, /at least 32/],
        // Buffer.from would skip the '!' and the spaces: a typo must not become a shorter secret.
        [{ tunnel_secret: `${randomBytes(33).toString('base64')}!` }, /standard base64/],
        [{ tunnel_secret: '' }, /tunnel_secret/],
        [{ tunnel_secret: 42 }, /tunnel_secret/],
        [{ name: 'x', colour: 'red' }, /colour|additional/],
      ];
      for (const [body, message] of cases) {
        const r = await h.call('PATCH', `${base}/${t.id}`, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.json.errors[0]?.message ?? '', message);
      }
      const after = await h.call<TunnelResult>('GET', `${base}/${t.id}`);
      assert.equal(after.json.result.name, 'kept');
      assert.equal((await h.call<string>('GET', `${base}/${t.id}/token`)).json.result, before.json.result);
    });
  });
}
