import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { parseTunnelToken } from '../src/connector/tunnel-credentials.js';
import { WarrenError } from '../src/errors/index.js';

const token = (fields: Record<string, unknown>): string => Buffer.from(JSON.stringify(fields)).toString('base64');
const base = () => ({ a: 'acc-1', t: randomUUID(), s: randomBytes(32).toString('base64') });
const PIN = randomBytes(32).toString('base64');

test("cloudflared's {a, t, s} parses with no edge and no pin; an empty e (cloudflared's Endpoint) is none", () => {
  for (const extra of [{}, { e: '' }]) {
    const c = parseTunnelToken(token({ ...base(), ...extra }));
    assert.equal(c.edge, undefined);
    assert.equal(c.edgePin, undefined);
  }
});

test("warren's e and p give the edge to dial and the CA pin to trust", () => {
  const c = parseTunnelToken(token({ ...base(), e: '127.0.0.1:41633', p: PIN }));
  assert.equal(c.edge, '127.0.0.1:41633');
  assert.equal(c.edgePin, PIN);
  assert.equal(parseTunnelToken(token({ ...base(), e: '[::1]:7844' })).edge, '[::1]:7844');
});

test('a malformed e or p is refused in one line that says which field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ e: 'no-port' }, /edge "e" is not HOST:PORT/],
    [{ e: 7844 }, /edge "e" is not HOST:PORT/],
    [{ p: 'c2hvcnQ=' }, /edge pin "p" is not base64 of 32 bytes/],
    [{ p: 5 }, /edge pin "p" is not base64 of 32 bytes/],
  ];
  for (const [extra, why] of cases) {
    assert.throws(
      () => parseTunnelToken(token({ ...base(), ...extra })),
      (err: unknown) => err instanceof WarrenError && err.code === 'WARREN_CONFIG_INVALID' && why.test(err.message),
    );
  }
});
