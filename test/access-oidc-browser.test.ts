import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createAccessVerifier } from '../src/verify/index.js';
import { AccessBrowser } from './support/access-login-client.js';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type OidcIdp, startOidcIdp } from './support/oidc-idp.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'oidc.access.warren.localhost';
const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';

interface AccessRequest {
  action: string;
  allowed: boolean;
  app_domain: string;
  app_uid: string;
  connection: string;
  ip_address: string;
  ray_id: string;
  user_email: string;
}

/** The provider's development form: any password; then its consent page, when it asks. */
async function logInAtIdp(page: Page, idp: OidcIdp, login: string): Promise<void> {
  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.waitForLoadState();
  if (page.url().startsWith(idp.issuer) && (await page.locator('button:has-text("Continue")').count()) > 0) {
    await page.click('button:has-text("Continue")');
  }
}

describe('Access login through an OpenID Connect provider in Chromium', {
  skip: chromiumSkip,
  timeout: 180_000,
}, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let idp: OidcIdp;
  let browser: Browser;
  let idpId: string;
  let mainAud: string;
  let base: string;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    origin = await startTestOrigin();
    // oidc-provider runs on loopback: the operator allows that explicitly.
    f = await startNamedTunnelFixture(['--allow-private-idp-addresses']);
    base = `http://${f.hostname}:${f.serve.httpPort}`;
    idp = await startOidcIdp(`http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/callback`, {
      alice: { email: ALICE, groups: ['admins', 'staff'] },
      bob: { email: BOB, groups: ['staff'] },
    });
    await f.api('POST', acc('/organizations'), { name: 'OIDC', auth_domain: TEAM });
    idpId = (
      await f.api<{ id: string }>('POST', acc('/identity_providers'), {
        name: 'Test IdP',
        type: 'oidc',
        config: idp.config(['groups']),
      })
    ).result.id;
    const main = (
      await f.api<{ id: string; aud: string }>('POST', acc('/apps'), {
        name: 'App',
        domain: f.hostname,
        allowed_idps: [idpId],
      })
    ).result;
    mainAud = main.aud;
    await f.api('POST', acc(`/apps/${main.id}/policies`), {
      name: 'anyone from the IdP',
      decision: 'allow',
      include: [{ login_method: { id: idpId } }],
    });
    const admin = (
      await f.api<{ id: string }>('POST', acc('/apps'), {
        name: 'Admin',
        domain: `${f.hostname}/admin`,
        allowed_idps: [idpId],
        auto_redirect_to_identity: true,
      })
    ).result;
    await f.api('POST', acc(`/apps/${admin.id}/policies`), {
      name: 'admins',
      decision: 'allow',
      include: [{ oidc: { claim_name: 'groups', claim_value: 'admins', identity_provider_id: idpId } }],
    });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(
      async () => (await visit(f.serve.httpPort, f.hostname, '/admin/x')).status === 302,
      10_000,
      'gate',
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await connector?.stop();
    await f?.serve.stop();
    await idp?.close();
    await origin?.close();
  });

  test('protected page → IdP login → the app with a JWT warren/verify accepts; the callback cannot be replayed; logout → protected again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/cdn-cgi/access/callback')) callbacks.push(r.url());
    });
    await page.goto(`${base}/echo?from=oidc`);
    assert.ok(page.url().startsWith(`http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/login/`), page.url());
    assert.equal(await page.getByLabel('E-mail address').count(), 0, 'no PIN form: the app admits only the IdP');
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await logInAtIdp(page, idp, 'alice');
    await page.waitForURL(`${base}/echo?from=oidc`);
    const seen = JSON.parse((await page.textContent('body')) ?? '{}') as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-authenticated-user-email'], ALICE);
    const verifier = createAccessVerifier({
      teamDomain: TEAM,
      audience: mainAud,
      jwksUrl: `${f.serve.apiBase}/client/v4/accounts/${f.accountId}/access/certs`,
    });
    const claims = await verifier.verify(seen.headers['cf-access-jwt-assertion'] as string);
    assert.equal(claims.email, ALICE, "the IdP's address");
    assert.equal(typeof claims.sub, 'string');
    assert.equal(typeof (claims as { identity_nonce?: unknown }).identity_nonce, 'string');
    const cookie = (await context.cookies(base)).find((c) => c.name === 'CF_Authorization');
    assert.ok(cookie?.httpOnly);

    await page.goto(`${base}/cdn-cgi/access/get-identity`);
    const identity = JSON.parse((await page.textContent('body')) ?? '{}') as {
      email: string;
      idp: { id: string; type: string };
      groups: string[];
    };
    assert.equal(identity.email, ALICE);
    assert.deepEqual(identity.idp, { id: idpId, type: 'oidc' });
    assert.deepEqual(identity.groups, ['admins', 'staff'], 'the mapped groups claim');

    // The IdP's answer works once: the same callback again is refused with a page, not a login.
    assert.equal(callbacks.length, 1);
    const replay = await page.goto(callbacks[0] as string);
    assert.equal(replay?.status(), 400);
    assert.match((await page.textContent('h1')) ?? '', /Sign-in failed/);
    assert.match((await page.textContent('body')) ?? '', /already used/);

    await page.goto(`${base}/cdn-cgi/access/logout`);
    assert.match((await page.textContent('h1')) ?? '', /Logged out/);
    await page.goto(`${base}/echo`);
    assert.ok(page.url().includes('/cdn-cgi/access/login/'), `protected again: ${page.url()}`);
    await context.close();
  });

  test('an oidc policy on the groups claim lets a member in (straight to the IdP by auto_redirect) and keeps a non-member out', async () => {
    const alice = await browser.newContext();
    const pa = await alice.newPage();
    await pa.goto(`${base}/admin/x`);
    await logInAtIdp(pa, idp, 'alice');
    await pa.waitForURL(`${base}/admin/x`);
    assert.ok(
      origin.seen.some((r) => r.url === '/admin/x' && r.headers['cf-access-authenticated-user-email'] === ALICE),
    );
    await alice.close();

    const bob = await browser.newContext();
    const pb = await bob.newPage();
    await pb.goto(`${base}/admin/x`);
    await logInAtIdp(pb, idp, 'bob');
    await pb.waitForURL((u) => u.href.startsWith(`http://${TEAM}:`));
    assert.match((await pb.textContent('h1')) ?? '', /Access denied/);
    assert.ok(
      !origin.seen.some((r) => r.url === '/admin/x' && r.headers['cf-access-authenticated-user-email'] === BOB),
    );
    // A denied login leaves no team session; the main app (any user of the IdP) takes Bob after one
    // click, the IdP remembering him.
    await pb.goto(`${base}/echo?bob`);
    assert.ok(pb.url().includes('/cdn-cgi/access/login/'), pb.url());
    await pb.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await pb.waitForURL(`${base}/echo?bob`);
    await bob.close();
  });

  test('a forged state, a state from another browser and an IdP error each end on a page; the access request log has every login', async () => {
    const port = f.serve.httpPort;
    const start = `http://${TEAM}:${port}/cdn-cgi/access/login/${f.hostname}?kid=${mainAud}&redirect_url=%2F&idp=${idpId}`;
    const a = new AccessBrowser(port);
    const go = await a.request(start);
    assert.equal(go.status, 302);
    const auth = new URL(String(go.headers.location));
    assert.ok(auth.href.startsWith(`${idp.issuer}/auth`), auth.href);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((auth.searchParams.get('nonce') ?? '').length >= 32);
    const state = auth.searchParams.get('state') ?? '';
    const callback = (q: string) => `http://${TEAM}:${port}/cdn-cgi/access/callback?${q}`;

    const forged = await a.request(callback('code=abc&state=forged-state-0123456789abcdef'));
    assert.equal(forged.status, 400);
    assert.match(forged.text, /Sign-in failed/);
    assert.doesNotMatch(forged.text, /Error:|at \w+ \(/, 'no stack trace');

    const other = new AccessBrowser(port);
    const stolen = await other.request(callback(`code=abc&state=${state}`));
    assert.equal(stolen.status, 400, 'a state works only in the browser that started the login');

    const denied = await a.request(callback(`error=access_denied&state=${state}`));
    assert.equal(denied.status, 400, 'the stolen attempt did not void it; the IdP error is a page');
    assert.match(denied.text, /did not log you in/);

    const log = await eventually(
      async () => {
        const r = await f.api<AccessRequest[]>('GET', `${acc('/logs/access_requests')}?limit=100&direction=asc`);
        return r.result.length >= 6 ? r.result : undefined;
      },
      10_000,
      'access request log',
    );
    for (const e of log) {
      assert.equal(e.action, 'login');
      assert.equal(e.connection, 'oidc');
      assert.match(e.ray_id, /^[0-9a-f]{16}$/);
    }
    assert.ok(log.some((e) => e.allowed && e.user_email === ALICE && e.app_domain === f.hostname));
    assert.ok(log.some((e) => e.allowed && e.user_email === ALICE && e.app_domain === `${f.hostname}/admin`));
    assert.ok(log.some((e) => !e.allowed && e.user_email === BOB && e.app_domain === `${f.hostname}/admin`));
    const failed = log.filter((e) => !e.allowed && e.user_email === '');
    assert.ok(failed.length >= 4, 'replayed, forged, stolen and IdP-error answers are denied logins');
    const newest = await f.api<AccessRequest[]>('GET', `${acc('/logs/access_requests')}?limit=1`);
    assert.equal(newest.result.length, 1);
  });
});
