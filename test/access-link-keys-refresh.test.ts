import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  generateSigningKey,
  importSigningKey,
  jwksDocument,
  type SigningKeyMaterial,
  signAccessJwt,
} from '../src/access/index.js';
import { accessJwtVerifier, CONNECTOR_JWKS_COOLDOWN_MS } from '../src/connector/index.js';
import type { AccessConfig } from '../src/connector/ingress/index.js';

// Issue 20: keys read over the link are refetched when a token names an unknown kid (a rotation),
// at most once per CONNECTOR_JWKS_COOLDOWN_MS (10 s), so unknown kids cannot flood the edge.
const D = 'warren.test';
const TEAM = `myteam.access.${D}`;
const AUD = 'a'.repeat(64);
const RULE = { required: true, teamName: 'myteam', audTag: [AUD] } as AccessConfig;
const HEAD = { method: 'GET', path: '/', headers: [] };

async function tokenOf(m: SigningKeyMaterial): Promise<string> {
  return signAccessJwt(await importSigningKey(m.kid, m.privatePkcs8), {
    teamDomain: TEAM,
    aud: AUD,
    subject: { kind: 'service_token', clientId: 'ci' },
    issuedAt: new Date(),
    ttlSeconds: 60,
  });
}

function linkOf(published: SigningKeyMaterial[]): {
  asked: string[];
  linkKeys: (team: string) => Promise<{ keys: unknown[] }>;
} {
  const asked: string[] = [];
  return {
    asked,
    linkKeys: async (team) => {
      asked.push(team);
      return jwksDocument(published.map((m) => ({ kid: m.kid, publicJwk: m.publicJwk, certificate: m.certificate })));
    },
  };
}

test('link-keys-unknown-kid-refetch-is-bounded-by-the-cooldown', async () => {
  assert.equal(CONNECTOR_JWKS_COOLDOWN_MS, 10_000);
  const k1 = await generateSigningKey(new Date());
  const k2 = await generateSigningKey(new Date());
  const published = [k1];
  const link = linkOf(published);
  const verify = accessJwtVerifier({ accessDomain: () => D, linkKeys: link.linkKeys });
  assert.equal(await verify(await tokenOf(k1), RULE, HEAD), true);
  assert.deepEqual(link.asked, [TEAM], 'the short name became the team domain the edge sent');
  published.push(k2); // rotated at the edge, within the cooldown
  const rotated = await tokenOf(k2);
  for (let i = 0; i < 20; i++) {
    await assert.rejects(async () => verify(rotated, RULE, HEAD), { code: 'WARREN_ACCESS_TOKEN_KEY_UNKNOWN' });
  }
  assert.equal(link.asked.length, 1, '20 unknown kids within 10 s asked the edge no more');
});

test('link-keys-unknown-kid-refetches-after-the-cooldown', async () => {
  const k1 = await generateSigningKey(new Date());
  const k2 = await generateSigningKey(new Date());
  const published = [k1];
  const link = linkOf(published);
  const verify = accessJwtVerifier({ accessDomain: () => D, linkKeys: link.linkKeys, jwksCooldownMs: 0 });
  assert.equal(await verify(await tokenOf(k1), RULE, HEAD), true);
  published.push(k2);
  assert.equal(await verify(await tokenOf(k2), RULE, HEAD), true, 'the rotated key was fetched over the link');
  assert.equal(link.asked.length, 2);
  assert.equal(await verify(await tokenOf(k1), RULE, HEAD), true, 'a known kid asks nothing');
  assert.equal(link.asked.length, 2);
});

test('link-keys-refused-by-the-edge-are-not-asked-again-within-the-cooldown', async () => {
  const asked: string[] = [];
  const verify = accessJwtVerifier({
    accessDomain: () => D,
    linkKeys: async (team) => {
      asked.push(team);
      throw new Error("the edge refused the keys: not the Access team domain of this tunnel's account");
    },
  });
  const token = await tokenOf(await generateSigningKey(new Date()));
  for (let i = 0; i < 20; i++) {
    await assert.rejects(async () => verify(token, RULE, HEAD), { code: 'WARREN_ACCESS_JWKS_UNAVAILABLE' });
  }
  assert.equal(asked.length, 1, '20 requests within 10 s asked the edge once');
});
