import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCredentialsJson } from '../src/connector/index.js';
import { isUnderTunnelDomain, isUuid, tunnelIdOfTarget, tunnelTarget } from '../src/protocol/index.js';
import { isWithin, longestZone, owningZone, owningZoneIn } from '../src/store/index.js';
import { cookieValue } from '../src/verify/cookie-value.js';

/*
 * The domain rules written once (issue 25 §2): each has one function, and this file is its table.
 * Every caller (API, edge router, DNS server, CLI, connector) uses that function.
 */

const ID = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

test('isUuid: the one UUID rule', () => {
  const rows: [string, boolean][] = [
    [ID, true],
    [ID.toUpperCase(), true],
    [`${ID}x`, false],
    [ID.replaceAll('-', ''), false],
    ['', false],
    ['6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g', false],
  ];
  for (const [s, want] of rows) assert.equal(isUuid(s), want, s);
});

test('tunnelIdOfTarget: <uuid>.tunnel.D, any case, trailing dot, nothing else', () => {
  const D = 'warren.test';
  assert.equal(tunnelTarget(ID, D), `${ID}.tunnel.warren.test`);
  const rows: [string, string | undefined][] = [
    [tunnelTarget(ID, D), ID],
    [`${ID.toUpperCase()}.TUNNEL.Warren.Test.`, ID],
    [`${ID}.tunnel.other.test`, undefined],
    [`${ID}.tunnel.warren.test.evil.test`, undefined],
    [`x.${ID}.tunnel.warren.test`, undefined],
    ['not-a-uuid.tunnel.warren.test', undefined],
    ['tunnel.warren.test', undefined],
    [`${ID}.cdn.warren.test`, undefined],
  ];
  for (const [content, want] of rows) assert.equal(tunnelIdOfTarget(content, D), want, content);
});

test('isUnderTunnelDomain: every name under tunnel.D (the DNS server hides them)', () => {
  const rows: [string, boolean][] = [
    [`${ID}.tunnel.warren.test`, true],
    ['anything.tunnel.warren.test', true],
    ['tunnel.warren.test', true],
    ['TUNNEL.WARREN.TEST.', true],
    ['tunnel.warren.test.example.com', false],
    ['xtunnel.warren.test', false],
  ];
  for (const [name, want] of rows) assert.equal(isUnderTunnelDomain(name, 'warren.test'), want, name);
});

test('owningZone: the longest ACTIVE zone owns a name, whatever its account', () => {
  const zones = [
    { id: 'a', account_id: 'A', name: 'example.com', status: 'active' as const },
    { id: 'b', account_id: 'B', name: 'app.example.com', status: 'active' as const },
    { id: 'c', account_id: 'C', name: 'x.app.example.com', status: 'pending' as const },
    { id: 'd', account_id: 'A', name: 'ample.com', status: 'active' as const },
  ];
  const rows: [string, string | undefined][] = [
    ['example.com', 'a'],
    ['www.example.com', 'a'],
    ['app.example.com', 'b'],
    ['y.app.example.com', 'b'],
    ['z.x.app.example.com', 'b'], // the pending zone owns nothing yet
    ['ample.com', 'd'],
    ['notexample.com', undefined], // a suffix that is not a label boundary
    ['example.org', undefined],
  ];
  for (const [host, want] of rows) {
    assert.equal(owningZone(host, zones)?.id, want, host);
    const active = new Map(zones.filter((z) => z.status === 'active').map((z) => [z.name, z]));
    assert.equal(owningZoneIn(host, active)?.id, want, `${host} (by name)`);
  }
  // Where a record goes among one account's zones: pending zones count.
  assert.equal(longestZone('z.x.app.example.com', zones, false)?.id, 'c');
  assert.equal(longestZone('z.x.app.example.com', zones, true)?.id, 'b');
  assert.equal(isWithin('example.com', 'example.com'), true);
  assert.equal(isWithin('badexample.com', 'example.com'), false);
});

test('parseCredentialsJson: one rule for the credentials file and --credentials-contents', () => {
  const secret = Buffer.alloc(32, 7).toString('base64');
  const ok = parseCredentialsJson(
    JSON.stringify({ AccountTag: 'acc', TunnelSecret: secret, TunnelID: ID.toUpperCase() }),
    'f.json',
    'fix it',
  );
  assert.deepEqual({ ...ok, secret: ok.secret.length }, { accountTag: 'acc', tunnelId: ID, secret: 32 });
  const bad: [string, RegExp][] = [
    ['nope', /^f\.json is not JSON.*; fix it$/],
    ['[1]', /^f\.json lacks AccountTag, TunnelSecret or TunnelID \(no AccountTag\)/],
    [JSON.stringify({ AccountTag: '', TunnelSecret: secret, TunnelID: ID }), /\(no AccountTag\)/],
    [JSON.stringify({ AccountTag: 'a', TunnelSecret: secret, TunnelID: 'x' }), /\(no TunnelID that is a UUID\)/],
    [JSON.stringify({ AccountTag: 'a', TunnelID: ID }), /\(no TunnelSecret\)/],
    [JSON.stringify({ AccountTag: 'a', TunnelSecret: 'c2hvcnQ=', TunnelID: ID }), /shorter than 32 bytes/],
  ];
  for (const [text, want] of bad) {
    assert.throws(
      () => parseCredentialsJson(text, 'f.json', 'fix it'),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'WARREN_CONFIG_INVALID');
        assert.match(err.message, want);
        assert.doesNotMatch(err.message, /c2hvcnQ|BwcH/); // never the secret
        return true;
      },
      text,
    );
  }
});

test('cookieValue: one cookie reader (edge Access gate, dashboard session, warren/verify)', () => {
  const rows: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['', undefined],
    ['CF_Authorization=abc', 'abc'],
    ['a=1; CF_Authorization=abc; b=2', 'abc'],
    ['a=1;CF_Authorization=abc;b=2', 'abc'],
    ['CF_Authorization=first; CF_Authorization=second', 'first'],
    ['CF_Authorization=', undefined],
    ['XCF_Authorization=abc', undefined],
    ['CF_Authorization_x=abc', undefined],
    ['CF_Authorization="quoted"', '"quoted"'], // the raw value: a JWT is never quoted
    ['garbage; CF_Authorization=abc', 'abc'],
  ];
  for (const [header, want] of rows) assert.equal(cookieValue(header, 'CF_Authorization'), want, String(header));
});

test('syntheticToken: the token row of the global API key and of a dashboard session', async () => {
  const { syntheticToken } = await import('../src/control/api/principal.js');
  const user = { id: 'u1', api_key_generation: 3 };
  const rows: [string, string | null][] = [
    ['2026-01-01T00:00:00Z', null],
    ['2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'],
  ];
  for (const [issued, expires] of rows) {
    const t = syntheticToken('id', 'name', user, issued, expires);
    assert.deepEqual(
      [t.user_id, t.status, t.policies, t.key_generation, t.token_hash, t.issued_on, t.modified_on, t.expires_on],
      ['u1', 'active', '[]', 3, '', issued, issued, expires],
    );
  }
});
