import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_PENDING_OIDC_LOGINS, OIDC_LOGIN_TTL_MS, PendingOidcLogins } from '../src/access/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

const CONFIG = {
  client_id: 'cid',
  client_secret: 'first-secret-value',
  auth_url: 'https://idp.example.test/auth',
  token_url: 'https://idp.example.test/token',
  certs_url: 'https://idp.example.test/jwks',
  scopes: ['openid', 'email', 'groups'],
  claims: ['groups'],
  email_claim_name: 'email',
  pkce_enabled: true,
};

for (const dialect of DIALECTS) {
  describe(`oidc identity provider config on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    const idps = () => `/accounts/${h.accountId}/access/identity_providers`;
    const secretOf = async (id: string): Promise<unknown> => {
      const row = await h.store.access.identityProvider(h.accountId, id);
      return (
        JSON.parse(h.store.secrets.open(row?.secrets_sealed ?? '').toString('utf8')) as { client_secret?: unknown }
      ).client_secret;
    };

    before(async () => {
      h = await startControl(dialect);
    });
    after(async () => {
      await h?.close();
    });

    test('plain http is refused for a public identity provider and accepted on loopback', async () => {
      const bad = await h.call('POST', idps(), {
        name: 'x',
        type: 'oidc',
        config: { ...CONFIG, token_url: 'http://idp.example.test/token' },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.json.errors[0]?.message ?? '', /token_url must be an https URL.*loopback/);
      assert.ok(!JSON.stringify(bad.json).includes('first-secret-value'));
      const local = await h.call('POST', idps(), {
        name: 'local',
        type: 'oidc',
        config: { ...CONFIG, auth_url: 'http://127.0.0.1:9/auth', token_url: 'http://[::1]:9/token' },
      });
      assert.equal(local.status, 200);
      const claims = await h.call('POST', idps(), { name: 'x', type: 'oidc', config: { ...CONFIG, claims: 'groups' } });
      assert.equal(claims.status, 400, 'claims must be a list');
    });

    test('client_secret is answered redacted; writing the redacted value back keeps the secret, a new one replaces it', async () => {
      const made = await h.call<{ id: string; config: Record<string, unknown> }>('POST', idps(), {
        name: 'SSO',
        type: 'oidc',
        config: CONFIG,
      });
      assert.equal(made.status, 200);
      const { id, config } = made.json.result;
      assert.equal(config.client_secret, '**********');
      assert.deepEqual(config.claims, ['groups']);
      const read = await h.call<{ config: Record<string, unknown> }>('GET', `${idps()}/${id}`);
      const back = await h.call('PUT', `${idps()}/${id}`, {
        name: 'SSO',
        type: 'oidc',
        config: read.json.result.config,
      });
      assert.equal(back.status, 200);
      assert.equal(await secretOf(id), 'first-secret-value', 'the round trip kept the secret');
      await h.call('PUT', `${idps()}/${id}`, {
        name: 'SSO',
        type: 'oidc',
        config: { ...CONFIG, client_secret: 'second' },
      });
      assert.equal(await secretOf(id), 'second');
    });
  });
}

describe('OIDC logins in flight', () => {
  const login = {
    idpId: 'i',
    accountId: 'a',
    aud: 'x',
    appHost: 'app.example.com',
    back: '/',
    nonce: 'n',
    codeVerifier: 'v',
    redirectUri: 'http://t/cdn-cgi/access/callback',
  };

  test('a state works once, only with its browser binding, and not after 10 minutes', () => {
    let now = 0;
    const p = new PendingOidcLogins(() => now);
    const a = p.start(login);
    assert.equal(p.take(a.state, undefined).ok, false, 'no cookie');
    assert.equal(p.take(a.state, 'another browser').ok, false);
    assert.equal(p.take(a.state, a.binding).ok, true, 'the wrong tries did not void it');
    assert.deepEqual(p.take(a.state, a.binding), { ok: false, why: 'unknown' }, 'single use');
    const b = p.start(login);
    now += OIDC_LOGIN_TTL_MS;
    assert.deepEqual(p.take(b.state, b.binding), { ok: false, why: 'expired' });
  });

  test('a flood of started logins stays within the cap, dropping the oldest', () => {
    const p = new PendingOidcLogins(() => 0);
    const first = p.start(login);
    for (let i = 0; i < MAX_PENDING_OIDC_LOGINS + 50; i++) p.start(login);
    assert.equal(p.size, MAX_PENDING_OIDC_LOGINS);
    assert.equal(p.take(first.state, first.binding).ok, false, 'the oldest went first');
  });
});
