import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuthResult } from '../src/edge/index.js';
import { PROTOCOL_VERSION, proveSecret, type RegisterRequest } from '../src/protocol/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

const NONCE = randomBytes(24).toString('base64');

function request(tunnelId: string, secret: Buffer, accountTag?: string): RegisterRequest {
  return {
    version: PROTOCOL_VERSION,
    auth: {
      kind: 'secret',
      tunnelId,
      proof: proveSecret(secret, NONCE),
      ...(accountTag === undefined ? {} : { accountTag }),
    },
    connector: { connectorId: randomUUID(), connIndex: 0, version: 'test', arch: 'x64', os: 'linux' },
    heartbeatMs: 5_000,
    initialWindow: 65536,
  };
}

for (const dialect of DIALECTS) {
  describe(`named tunnel registration refusals (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let live: { id: string; secret: Buffer };
    let deleted: { id: string; secret: Buffer };
    before(async () => {
      h = await startControl(dialect);
      const make = async (name: string): Promise<{ id: string; secret: Buffer }> => {
        const t = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name });
        const token = await h.call<string>('GET', `/accounts/${h.accountId}/cfd_tunnel/${t.json.result.id}/token`);
        const { s } = JSON.parse(Buffer.from(token.json.result, 'base64').toString('utf8')) as { s: string };
        return { id: t.json.result.id, secret: Buffer.from(s, 'base64') };
      };
      live = await make('live');
      deleted = await make('gone');
      await h.call('DELETE', `/accounts/${h.accountId}/cfd_tunnel/${deleted.id}`);
    });
    after(async () => {
      await h?.close();
    });

    const authenticate = (r: RegisterRequest): Promise<AuthResult> => h.control.authenticator.authenticate(r, NONCE);

    test('unknown-deleted-foreign-account-and-wrong-secret-get-one-answer-without-the-account-id', async () => {
      const answers = [
        await authenticate(request(randomUUID(), randomBytes(32))),
        await authenticate(request(deleted.id, deleted.secret)),
        await authenticate(request(live.id, live.secret, randomUUID())),
        await authenticate(request(live.id, randomBytes(32))),
        await authenticate(request(live.id, randomBytes(32), h.accountId)),
      ];
      const [first, ...rest] = answers;
      assert.ok(first !== undefined && !first.ok);
      assert.equal(first.failure.code, 'WARREN_AUTH_FAILED');
      assert.equal(first.failure.retryable, false);
      assert.match(first.failure.message, /tunnel credentials rejected/);
      for (const a of rest) assert.deepEqual(a, first);
      for (const id of [h.accountId, live.id, deleted.id]) assert.ok(!first.failure.message.includes(id));
    });

    test('the-right-secret-still-registers', async () => {
      const ok = await authenticate(request(live.id, live.secret, h.accountId));
      assert.deepEqual(ok, { ok: true, tunnelId: live.id, accountId: h.accountId });
    });
  });
}
