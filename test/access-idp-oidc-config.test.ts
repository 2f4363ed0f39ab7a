import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OIDC_LOGIN_TTL_MS, PendingOidcLogins } from '../src/access/index.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';

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

  for (const dialect of DIALECTS) {
    test(`a state works once, only with its browser binding, and not after 10 minutes (${dialect.name})`, {
      skip: dialect.skip,
    }, async () => {
      const db = await dialect.fresh();
      const clock = new ManualClock(0);
      const store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
      try {
        const p = new PendingOidcLogins(store);
        const a = await p.start(login);
        assert.equal((await p.take(a.state, undefined)).ok, false, 'no cookie');
        assert.equal((await p.take(a.state, 'another browser')).ok, false);
        // Another process (another store on the database) finishes the login.
        const other =
          db.databaseUrl === undefined
            ? store
            : await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
        const taken = await new PendingOidcLogins(other).take(a.state, a.binding);
        assert.deepEqual(taken, { ok: true, login }, 'the wrong tries did not void it');
        if (other !== store) await other.close();
        assert.deepEqual(await p.take(a.state, a.binding), { ok: false, why: 'unknown' }, 'single use');
        const b = await p.start(login);
        await clock.advance(OIDC_LOGIN_TTL_MS);
        assert.deepEqual(await p.take(b.state, b.binding), { ok: false, why: 'expired' });
      } finally {
        await store.close();
        await db.drop();
      }
    });
  }

  test('a flood of started logins stays within the cap, dropping the oldest', async () => {
    const db = await (DIALECTS[0] as (typeof DIALECTS)[number]).fresh();
    const clock = new ManualClock(0);
    const store = await Store.open({ dataDir: db.dataDir, logger: quietLogger, clock });
    try {
      const p = new PendingOidcLogins(store, 100);
      const first = await p.start(login);
      for (let i = 0; i < 600; i++) {
        await clock.advance(1);
        await p.start(login);
      }
      const rows = await Store.databaseForTests(store).selectFrom('access_pending').select('id').execute();
      // Swept every 256 writes: never more than the cap and one sweep's worth.
      assert.ok(rows.length <= 100 + 256, String(rows.length));
      assert.equal((await p.take(first.state, first.binding)).ok, false, 'the oldest went first');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
