import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_TOKEN_TTL_MS, ManagementTokens, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { WarrenError } from '../src/errors/index.js';
import { SecretBox } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { TunnelResult } from './support/control-types.js';

function refusedWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WarrenError);
    assert.equal(err.code, 'WARREN_MANAGEMENT_TOKEN_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

for (const dialect of DIALECTS) {
  describe(`management tokens (warren tail) on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let clock: ManualClock;
    let tunnelA: TunnelResult;
    let tunnelB: TunnelResult;
    let accountB: string;
    let tokenB: string;

    before(async () => {
      clock = new ManualClock();
      h = await startControl(dialect, { clock });
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      const acctB = await h.store.identity.createAccount('tenant-b');
      await h.store.identity.addMember(acctB.id, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      accountB = acctB.id;
      tunnelA = (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'a' })).json.result;
      tunnelB = (await h.call<TunnelResult>('POST', `/accounts/${accountB}/cfd_tunnel`, { name: 'b' }, tokenB)).json
        .result;
    });
    after(async () => {
      await h?.close();
    });

    const mgmt = (account: string, tunnel: string) => `/accounts/${account}/cfd_tunnel/${tunnel}/management`;

    test('POST .../management returns a token that opens logs of that tunnel only, and is audited', async () => {
      const r = await h.call<string>('POST', mgmt(h.accountId, tunnelA.id), { resources: ['logs'] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const verifier = new ManagementTokens(h.store.secrets, clock);
      const claims = verifier.verify(r.json.result, tunnelA.id, 'logs');
      assert.equal(claims.accountId, h.accountId);
      refusedWith(() => verifier.verify(r.json.result, tunnelB.id, 'logs'), /another tunnel/);
      const log = await h.call<{ action: { type: string }; resource: { id: string } }[]>(
        'GET',
        `/accounts/${h.accountId}/audit_logs?action.type=tunnel_management_token`,
      );
      assert.equal(log.json.result.length, 1);
      assert.equal(log.json.result[0]?.resource.id, tunnelA.id);
      // The audit entry names the token by id, never by value.
      assert.ok(!JSON.stringify(log.json.result).includes(r.json.result));
    });

    test("another account cannot get a management token for a tunnel it does not own (and neither can the owner for B's)", async () => {
      const stolen = await h.call('POST', mgmt(h.accountId, tunnelA.id), { resources: ['logs'] }, tokenB);
      assert.ok(stolen.status === 403 || stolen.status === 404, String(stolen.status));
      assert.equal(stolen.json.success, false);
      const crossed = await h.call('POST', mgmt(accountB, tunnelA.id), { resources: ['logs'] }, tokenB);
      assert.equal(crossed.status, 404);
      const ownerOnB = await h.call('POST', mgmt(h.accountId, tunnelB.id), { resources: ['logs'] });
      assert.equal(ownerOnB.status, 404);
      const unknownResource = await h.call('POST', mgmt(h.accountId, tunnelA.id), { resources: ['exec'] });
      assert.equal(unknownResource.status, 400);
    });

    test('a management token expires 5 minutes after it was issued; a forged or altered one is refused', async () => {
      const tokens = new ManagementTokens(h.store.secrets, clock);
      const { token } = tokens.issue(h.accountId, tunnelA.id, ['logs']);
      assert.equal(tokens.verify(token, tunnelA.id, 'logs').tunnelId, tunnelA.id);
      await clock.advance(MANAGEMENT_TOKEN_TTL_MS + 1);
      refusedWith(() => tokens.verify(token, tunnelA.id, 'logs'), /expired/);
      const fresh = tokens.issue(h.accountId, tunnelA.id, ['logs']).token;
      const forged = new ManagementTokens(new SecretBox(Buffer.alloc(32, 7)), clock).issue(h.accountId, tunnelA.id, [
        'logs',
      ]).token;
      refusedWith(() => tokens.verify(forged, tunnelA.id, 'logs'), /not issued by this deployment/);
      // Swap the claims for another tunnel's, keep the MAC: refused.
      const [p, , mac] = fresh.split('.');
      const other = Buffer.from(
        JSON.stringify({ a: accountB, t: tunnelB.id, r: ['logs'], exp: 9e15, jti: 'x' }),
      ).toString('base64url');
      refusedWith(() => tokens.verify(`${p}.${other}.${mac}`, tunnelB.id, 'logs'), /not issued/);
      refusedWith(() => tokens.verify('x'.repeat(5000), tunnelA.id, 'logs'), /too long/);
      refusedWith(() => tokens.verify('garbage', tunnelA.id, 'logs'), /malformed/);
    });
  });
}
