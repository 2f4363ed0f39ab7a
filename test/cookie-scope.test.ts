import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scopeSetCookie } from '../src/edge/cookie-scope.js';

const D = 'warren.localhost';

test('a quick tunnel origin may set cookies for its own hostname only', () => {
  const host = `able-acid-aged-also.quick.${D}`;
  assert.equal(scopeSetCookie(`a=1; Domain=${host}; Path=/`, host, D), `a=1; Domain=${host}; Path=/`);
  assert.equal(scopeSetCookie(`a=1; Domain=.${host.toUpperCase()}.`, host, D), `a=1; Domain=.${host.toUpperCase()}.`);
  assert.equal(scopeSetCookie(`a=1; Domain=quick.${D}; Secure`, host, D), 'a=1; Secure');
  assert.equal(scopeSetCookie(`a=1;domain=${D}`, host, D), 'a=1');
  assert.equal(scopeSetCookie('a=1; DOMAIN = localhost', host, D), 'a=1');
  assert.equal(scopeSetCookie('a=1; Path=/; HttpOnly', host, D), 'a=1; Path=/; HttpOnly');
});

test('a named tunnel origin may set cookies for a parent inside its zone, never for D, a TLD or another site', () => {
  const host = 'app.example.com';
  assert.equal(scopeSetCookie('a=1; Domain=example.com', host, D), 'a=1; Domain=example.com');
  assert.equal(scopeSetCookie('a=1; Domain=.app.example.com', host, D), 'a=1; Domain=.app.example.com');
  assert.equal(scopeSetCookie('a=1; Domain=com', host, D), 'a=1');
  assert.equal(scopeSetCookie('a=1; Domain=other.com', host, D), 'a=1');
  // A zone whose hostnames sit under the service domain gets the quick-tunnel rule.
  assert.equal(scopeSetCookie(`a=1; Domain=${D}`, `x.cdn.${D}`, D), 'a=1');
  // A service domain under a real zone: that zone and D's parents are out of reach of tunnels' origins.
  assert.equal(scopeSetCookie('a=1; Domain=example.net', 'app.example.net', 'tunnels.example.net'), 'a=1');
});
