import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AccessSessionCache,
  generateSigningKey,
  importSigningKey,
  jwksDocument,
  signAccessJwt,
} from '../src/access/index.js';

const TEAM = 'cache.access.warren.localhost';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('the edge cache of verified Access sessions', { timeout: 30_000 }, () => {
  test("a token for app A refused at app B still opens app A; other accounts' keys and long garbage are refused", async () => {
    const mine = await generateSigningKey(new Date());
    const theirs = await generateSigningKey(new Date());
    let fetches = 0;
    const cache = new AccessSessionCache(async () => {
      fetches++;
      return jwksDocument([{ kid: mine.kid, publicJwk: mine.publicJwk, certificate: mine.certificate }]);
    });
    const sign = async (m: typeof mine, aud: string) =>
      signAccessJwt(await importSigningKey(m.kid, m.privatePkcs8), {
        teamDomain: TEAM,
        aud,
        subject: { kind: 'user', email: 'u@x.test', userId: 'u' },
        issuedAt: new Date(),
        ttlSeconds: 600,
      });
    const now = Math.floor(Date.now() / 1000);
    const forA = await sign(mine, A);
    assert.equal(await cache.verify(forA, { accountId: 'acc', aud: B, teamDomain: TEAM }, now), null);
    assert.equal(cache.cached(forA, B, now), null, 'the refusal is remembered for B');
    const s = await cache.verify(forA, { accountId: 'acc', aud: A, teamDomain: TEAM }, now);
    assert.equal(s?.email, 'u@x.test');
    assert.equal(cache.cached(forA, A, now)?.email, 'u@x.test', 'then a map lookup');
    assert.equal(cache.cached(forA, A, now + 601), null, 'expired in the cache too');
    const forged = await sign(theirs, A);
    assert.equal(await cache.verify(forged, { accountId: 'acc', aud: A, teamDomain: TEAM }, now), null);
    assert.equal(cache.cached(`${'x'.repeat(9000)}.y.z`, A, now), null, 'over-long tokens are refused unread');
    assert.ok(fetches <= 2, `keys fetched ${fetches} times`);
    cache.end(forA, now + 600);
    assert.equal(await cache.verify(forA, { accountId: 'acc', aud: A, teamDomain: TEAM }, now), null, 'logged out');
  });
});
