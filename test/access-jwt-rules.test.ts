import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { AccessSessionCache } from '../src/access/access-session-cache.js';
import { acceptAccessJwt } from '../src/verify/access-jwt-rules.js';

/*
 * The one acceptance rule for an Access token (issue 25 §2: the edge's session cache and
 * warren/verify required different claims). A table of tokens, and the edge's cache refusing
 * the ones the rule refuses.
 */

const ISS = 'https://team.access.warren.test';
const AUD = 'a'.repeat(64);
const NOW = 1_800_000_000;

test('acceptAccessJwt: one set of claims, one algorithm, iat not in the future', async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' as const, use: 'sig' as const };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const sign = (claims: JWTPayload, omit: readonly string[] = []): Promise<string> => {
    const p: JWTPayload = { iss: ISS, aud: [AUD], iat: NOW - 10, exp: NOW + 600, sub: 'u', ...claims };
    for (const k of omit) delete p[k];
    return new SignJWT(p).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
  };
  const rules = { issuer: ISS, audience: AUD, clockToleranceSeconds: 5, now: new Date(NOW * 1000) };
  const rows: [string, Promise<string>, boolean][] = [
    ['a good token', sign({}), true],
    ['iat 4 s ahead (within tolerance)', sign({ iat: NOW + 4 }), true],
    ['iat 60 s ahead', sign({ iat: NOW + 60 }), false],
    ['no iat', sign({}, ['iat']), false],
    ['no exp', sign({}, ['exp']), false],
    ['no aud', sign({}, ['aud']), false],
    ['no iss', sign({}, ['iss']), false],
    ['another audience', sign({ aud: ['b'.repeat(64)] }), false],
    ['another issuer', sign({ iss: 'https://evil.test' }), false],
    ['expired', sign({ exp: NOW - 60 }), false],
    ['nbf ahead', sign({ nbf: NOW + 60 }), false],
  ];
  const cache = new AccessSessionCache(async () => ({ keys: [jwk], public_cert: {}, public_certs: [] }));
  for (const [what, tokenP, want] of rows) {
    const token = await tokenP;
    const accepted = await acceptAccessJwt(token, keys, rules).then(
      () => true,
      () => false,
    );
    assert.equal(accepted, want, what);
    // The edge's session cache applies the same rule.
    const session = await cache.verify(
      token,
      { accountId: 'acc', aud: AUD, teamDomain: 'team.access.warren.test' },
      NOW,
    );
    assert.equal(session !== null, want, `edge: ${what}`);
  }
});
