import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AccessBrowser } from './support/access-login-client.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture } from './support/named-tunnel-fixture.js';

const TEAM = 'refuse.access.warren.localhost';
const CLIENT_ID = 'warren';

/**
 * An identity provider that answers the token request with a chosen defect: the code names it
 * (`<defect>.<nonce>`), so each case differs from a good answer in exactly one thing.
 */
async function startRogueIdp(): Promise<{ issuer: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const good = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    requests.push(url.pathname);
    if (url.pathname === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const [defect = '', nonce = ''] = (new URLSearchParams(body).get('code') ?? '').split('.');
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        email: 'mallory@example.test',
        email_verified: defect !== 'unverified-email',
        nonce: defect === 'nonce' ? 'not-the-nonce' : nonce,
      };
      void new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(defect === 'issuer' ? 'https://elsewhere.example' : issuer)
        .setAudience(defect === 'audience' ? 'another-client' : CLIENT_ID)
        .setSubject('mallory')
        .setIssuedAt(now)
        .setExpirationTime(defect === 'expired' ? now - 3600 : now + 300)
        .sign(defect === 'signature' ? foreign.privateKey : good.privateKey)
        .then((idToken) => {
          res
            .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
            .end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Access OIDC login refuses an id token that does not verify', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let idp: Awaited<ReturnType<typeof startRogueIdp>>;
  let start: string;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    // The provider runs on loopback: the operator allows that explicitly (see the SSRF case below).
    f = await startNamedTunnelFixture(['--allow-private-idp-addresses']);
    idp = await startRogueIdp();
    await f.api('POST', acc('/organizations'), { name: 'Refuse', auth_domain: TEAM });
    const idpId = (
      await f.api<{ id: string }>('POST', acc('/identity_providers'), {
        name: 'Rogue',
        type: 'oidc',
        config: {
          client_id: CLIENT_ID,
          client_secret: 'rogue-secret',
          auth_url: `${idp.issuer}/auth`,
          token_url: `${idp.issuer}/token`,
          certs_url: `${idp.issuer}/jwks`,
          issuer_url: idp.issuer,
        },
      })
    ).result.id;
    const app = (await f.api<{ id: string; aud: string }>('POST', acc('/apps'), { name: 'App', domain: f.hostname }))
      .result;
    await f.api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'everyone',
      decision: 'allow',
      include: [{ everyone: {} }],
    });
    start = `http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/login/${f.hostname}?kid=${app.aud}&redirect_url=%2F&idp=${idpId}`;
    await eventually(
      async () => (await new AccessBrowser(f.serve.httpPort).request(start)).status === 302,
      10_000,
      'gate loaded',
    );
  });
  after(async () => {
    await f?.serve.stop();
    await idp?.close();
  });

  test('the same answer without a defect logs in (so each refusal below is for its one defect)', async () => {
    const b = new AccessBrowser(f.serve.httpPort);
    const auth = new URL(String((await b.request(start)).headers.location));
    const r = await b.request(
      `http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/callback?code=good.${auth.searchParams.get('nonce')}&state=${auth.searchParams.get('state')}`,
    );
    assert.equal(r.status, 302, r.text);
    assert.match(String(r.headers.location), /\/cdn-cgi\/access\/authorized\?token=/);
    assert.ok(b.jar.get(TEAM)?.get('CF_Authorization'));
  });

  for (const defect of ['signature', 'nonce', 'issuer', 'audience', 'expired', 'unverified-email']) {
    test(`an id token with one defect (${defect}) ends on a page and a denied login, with no session`, async () => {
      const b = new AccessBrowser(f.serve.httpPort);
      const go = await b.request(start);
      const auth = new URL(String(go.headers.location));
      const state = auth.searchParams.get('state') ?? '';
      const nonce = auth.searchParams.get('nonce') ?? '';
      const r = await b.request(
        `http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/callback?code=${defect}.${nonce}&state=${state}`,
      );
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /Sign-in failed/);
      assert.doesNotMatch(r.text, /at \w+ \(|rogue-secret/, 'no stack trace, no secret');
      assert.equal(b.jar.get(TEAM)?.get('CF_Authorization'), undefined, 'no team session');
      const logged = await eventually(
        async () =>
          (
            await f.api<{ allowed: boolean; connection: string; user_email: string }[]>(
              'GET',
              acc('/logs/access_requests?limit=1'),
            )
          ).result[0],
        10_000,
        'denied login',
      );
      assert.equal(logged.allowed, false);
      assert.equal(logged.connection, 'oidc');
    });
  }
});

describe('a tenant cannot make the server fetch its own loopback or private addresses through an identity provider', {
  timeout: 120_000,
}, () => {
  let f: NamedTunnelFixture;
  let idp: Awaited<ReturnType<typeof startRogueIdp>>;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    // The default: no --allow-private-idp-addresses.
    f = await startNamedTunnelFixture();
    idp = await startRogueIdp();
    await f.api('POST', acc('/organizations'), { name: 'Ssrf', auth_domain: TEAM });
  });
  after(async () => {
    await f?.serve.stop();
    await idp?.close();
  });

  // By literal address (checked before connecting) and by name (checked on the resolved address
  // when the socket connects, so DNS rebinding cannot slip through).
  for (const [form, host] of [
    ['an address', '127.0.0.1'],
    ['a name that resolves to loopback', 'localhost'],
  ] as const) {
    test(`token_url and certs_url at ${form} are never fetched; the login ends on a page`, async () => {
      const base = idp.issuer.replace('127.0.0.1', host);
      const idpId = (
        await f.api<{ id: string }>('POST', acc('/identity_providers'), {
          name: `Internal ${host}`,
          type: 'oidc',
          config: {
            client_id: CLIENT_ID,
            client_secret: 'rogue-secret',
            auth_url: `${base}/auth`,
            token_url: `${base}/token`,
            certs_url: `${base}/jwks`,
            issuer_url: base,
          },
        })
      ).result.id;
      const app = (
        await f.api<{ id: string; aud: string }>('POST', acc('/apps'), {
          name: `App ${host}`,
          domain: `${host === 'localhost' ? 'n' : 'a'}.${f.hostname}`,
        })
      ).result;
      const start = `http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/login/${host === 'localhost' ? 'n' : 'a'}.${f.hostname}?kid=${app.aud}&redirect_url=%2F&idp=${idpId}`;
      const b = new AccessBrowser(f.serve.httpPort);
      const go = await eventually(
        async () => {
          const r = await b.request(start);
          return r.status === 302 ? r : undefined;
        },
        10_000,
        'gate loaded',
      );
      // The browser goes to auth_url itself: that is the visitor's request, not the server's.
      const auth = new URL(String(go.headers.location));
      const before = idp.requests.length;
      const r = await b.request(
        `http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/callback?code=good.${auth.searchParams.get('nonce')}&state=${auth.searchParams.get('state')}`,
      );
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /Sign-in failed/);
      assert.deepEqual(idp.requests.slice(before), [], 'the server sent nothing to the loopback service');
      assert.equal(b.jar.get(TEAM)?.get('CF_Authorization'), undefined, 'no team session');
    });
  }
});
