import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { screenshot } from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'acme.access.warren.localhost';
const CAROL = 'carol@example.test';
const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#f5a623"/></svg>';
const fakeIdp = (n: number) => ({
  client_id: `c${n}`,
  client_secret: 's',
  auth_url: `http://127.0.0.1:9/auth${n}`,
  token_url: `http://127.0.0.1:9/token${n}`,
  certs_url: `http://127.0.0.1:9/jwks${n}`,
  issuer_url: `http://127.0.0.1:9/${n}`,
  scopes: ['openid', 'email'],
  email_claim_name: 'email',
});

/** Captures the page at 1280 and 390 px in light and dark, running axe on each (screenshot()). */
async function capture(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, `access-${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `access-${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('Access visitor pages: one look, team design, denied, code, launcher (Chromium + axe)', {
  skip: chromiumSkip,
  timeout: 240_000,
}, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let logos: Server;
  let logoBase: string;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let teamBase: string;
  let ssoB: string;
  let ssoA: string;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    logos = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end(LOGO);
    });
    await new Promise<void>((r) => logos.listen(0, '127.0.0.1', r));
    logoBase = `http://127.0.0.1:${(logos.address() as AddressInfo).port}`;
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture(['--smtp-url', smtp.url]);
    base = `http://${f.hostname}:${f.serve.httpPort}`;
    teamBase = `http://${TEAM}:${f.serve.httpPort}`;
    const org = await f.api('POST', acc('/organizations'), {
      name: 'Acme',
      auth_domain: TEAM,
      login_design: {
        background_color: '#0b3d91',
        text_color: '#ffffff',
        logo_path: `${logoBase}/team.svg`,
        header_text: 'Acme <b>Corp</b>',
        footer_text: 'Trouble signing in? Write to it@acme.test',
      },
    });
    assert.equal(org.success, true, JSON.stringify(org));
    const pin = (await f.api<{ id: string }>('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin' }))
      .result.id;
    ssoA = (
      await f.api<{ id: string }>('POST', acc('/identity_providers'), {
        name: 'Alpha SSO',
        type: 'oidc',
        config: fakeIdp(1),
      })
    ).result.id;
    ssoB = (
      await f.api<{ id: string }>('POST', acc('/identity_providers'), {
        name: 'Beta SSO',
        type: 'oidc',
        config: fakeIdp(2),
      })
    ).result.id;
    const app = async (body: Record<string, unknown>, allow: string) => {
      const r = await f.api<{ id: string }>('POST', acc('/apps'), body);
      assert.equal(r.success, true, JSON.stringify(r));
      await f.api('POST', acc(`/apps/${r.result.id}/policies`), {
        name: 'one',
        decision: 'allow',
        include: [{ email: { email: allow } }],
      });
      return r.result.id;
    };
    await app(
      {
        name: 'Wiki <script>alert(1)</script>',
        domain: f.hostname,
        allowed_idps: [ssoB, ssoA, pin],
        logo_url: `${logoBase}/wiki.svg`,
        custom_non_identity_deny_url: 'https://deny.example.test/robots',
      },
      CAROL,
    );
    await app(
      {
        name: 'Admin',
        domain: `${f.hostname}/admin`,
        allowed_idps: [pin],
        custom_deny_message: 'Ask <the IT desk> for the Admin role.',
      },
      'root@example.test',
    );
    await app(
      {
        name: 'Docs',
        domain: `${f.hostname}/docs`,
        allowed_idps: [pin],
        custom_deny_url: 'https://deny.example.test/docs',
      },
      'root@example.test',
    );
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(
      async () => (await visit(f.serve.httpPort, f.hostname, '/admin/x')).status === 302,
      10_000,
      'gate',
    );
    browser = await launchChromium();
    context = await browser.newContext();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
    await smtp?.close();
    await new Promise<void>((r) => (logos === undefined ? r() : logos.close(() => r())));
  });

  test('the API refuses a javascript: logo, a data: deny URL and a colour that is not #rrggbb, each with a clear error', async () => {
    const bad = await f.api('PUT', acc('/organizations'), {
      name: 'Acme',
      auth_domain: TEAM,
      login_design: { logo_path: 'javascript:alert(1)' },
    });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad), /login_design\.logo_path uses javascript: only https URLs are accepted/);
    const colour = await f.api('PUT', acc('/organizations'), {
      name: 'Acme',
      auth_domain: TEAM,
      login_design: { background_color: 'red;}body{display:none' },
    });
    assert.match(JSON.stringify(colour), /login_design\.background_color must be a colour as #rrggbb/);
    const deny = await f.api('POST', acc('/apps'), {
      name: 'X',
      domain: `${f.hostname}/x`,
      custom_deny_url: 'data:text/html,<script>alert(1)</script>',
    });
    assert.match(JSON.stringify(deny), /custom_deny_url uses data: only https URLs are accepted/);
    const logo = await f.api('POST', acc('/apps'), { name: 'X', domain: `${f.hostname}/x`, logo_url: 'JavaScript:x' });
    assert.match(JSON.stringify(logo), /logo_url uses javascript:/);
    // The organization kept its design (the refused PUTs changed nothing).
    const org = await f.api<{ login_design: { logo_path: string } }>('GET', acc('/organizations'));
    assert.equal(org.result.login_design.logo_path, `${logoBase}/team.svg`);
  });

  test('login page: team colours and text, app name and logo, IdP buttons in allowed_idps order with the PIN form below; tenant text escaped; strict headers', async () => {
    const page = await context.newPage();
    const res = await page.goto(`${base}/wiki`);
    assert.ok(page.url().startsWith(`${teamBase}/cdn-cgi/access/login/`), page.url());
    const h = res?.headers() ?? {};
    const csp = h['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /style-src 'sha256-/);
    assert.doesNotMatch(csp, /unsafe-inline|script-src/);
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(11, 61, 145)');
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('header')).color"), 'rgb(255, 255, 255)');
    assert.equal(await page.textContent('header'), 'Acme <b>Corp</b>', 'header text shown as text, not markup');
    assert.equal(await page.textContent('footer'), 'Trouble signing in? Write to it@acme.test');
    assert.equal(await page.textContent('h1'), 'Sign in to Wiki <script>alert(1)</script>');
    assert.equal(await page.locator('script').count(), 0);
    assert.deepEqual(
      await page.evaluate('[...document.images].map((e) => e.naturalWidth)'),
      [40, 40],
      'both logos load',
    );
    const order = await page.locator('main a.button, main button').allTextContents();
    assert.deepEqual(order, ['Sign in with Beta SSO', 'Sign in with Alpha SSO', 'Send me a code']);
    await capture(page, 'login');
    await page.close();
  });

  test('code page → wrong code → void code; sign in; launcher; denied page with the custom message; another identity; logout', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/wiki`);
    await page.getByLabel('E-mail address').fill(CAROL);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code from the e-mail').waitFor();
    const main = (await page.textContent('main')) ?? '';
    assert.match(main, /carol@example\.test/);
    assert.match(main, /10 minutes/);
    assert.equal(await page.getByRole('button', { name: 'Send the code again' }).count(), 1);
    assert.equal(await page.getByRole('link', { name: 'Use another address' }).count(), 1);
    await capture(page, 'code');
    await page.getByRole('button', { name: 'Send the code again' }).click();
    await page.getByLabel('Code from the e-mail').waitFor();
    const mails = await eventually(() => (smtp.mails.length >= 2 ? smtp.mails : undefined), 10_000, 'two mails');
    const code = /\b(\d{6})\b/.exec(mails[mails.length - 1]?.raw ?? '')?.[1] as string;
    await page.getByLabel('Code from the e-mail').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('That code is not right').waitFor();
    await capture(page, 'code-wrong');
    const otpId = await page.locator('input[name=otp_id]').first().inputValue();
    await page
      .locator('input[name=otp_id]')
      .first()
      .evaluate((e: unknown) => {
        (e as { value: string }).value = 'void';
      });
    await page.getByLabel('Code from the e-mail').fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('This code has expired').waitFor();
    await capture(page, 'code-expired');
    await page.goto(`${base}/wiki`);
    await page.getByLabel('E-mail address').fill(CAROL);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code from the e-mail').waitFor();
    const fresh = await eventually(() => (smtp.mails.length >= 3 ? smtp.mails[2] : undefined), 10_000, 'mail');
    assert.notEqual(otpId, '');
    await page.getByLabel('Code from the e-mail').fill(/\b(\d{6})\b/.exec(fresh.raw)?.[1] as string);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/wiki`);

    await page.goto(`${teamBase}/`);
    assert.match((await page.textContent('main')) ?? '', /Signed in as carol@example\.test/);
    const apps = await page.locator('.apps a').allTextContents();
    assert.deepEqual(apps, ['Wiki <script>alert(1)</script>'], 'only the apps carol may open');
    await capture(page, 'launcher');

    const denied = await page.goto(`${base}/admin/x`);
    assert.equal(denied?.status(), 403);
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /Access denied to Admin/);
    assert.match(text, /signed in as carol@example\.test/);
    assert.match(text, /Ask <the IT desk> for the Admin role\./);
    assert.doesNotMatch(text, /policy|rule|include|root@/i, 'never which rule refused');
    await capture(page, 'denied');
    await page.getByRole('link', { name: 'Sign in with another identity' }).click();
    await page.getByLabel('E-mail address').waitFor();
    assert.match(page.url(), /another=1/);

    // custom_deny_url: the team session's denial goes there instead of the page.
    const cookie = (await context.cookies(teamBase)).find((c) => c.name === 'CF_Authorization');
    assert.ok(cookie !== undefined);
    const docs = await visit(f.serve.httpPort, f.hostname, '/docs');
    const loginUrl = new URL(String(docs.headers.location));
    const r = await visit(f.serve.httpPort, `${TEAM}:${f.serve.httpPort}`, `${loginUrl.pathname}${loginUrl.search}`, {
      headers: { cookie: `CF_Authorization=${cookie.value}` },
    });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://deny.example.test/docs');

    await page.goto(`${teamBase}/cdn-cgi/access/logout`);
    assert.match((await page.textContent('h1')) ?? '', /Logged out/);
    await capture(page, 'logout');
    await page.goto(`${teamBase}/`);
    await capture(page, 'launcher-signed-out');
    await page.close();
  });

  test('the CLI authorisation page (warren access login) and the broken-IdP page share the look', async () => {
    const fresh = await browser.newContext();
    const page = await fresh.newPage();
    await page.goto(`${base}/wiki`);
    await page.getByLabel('E-mail address').fill(CAROL);
    const before = smtp.mails.length;
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code from the e-mail').waitFor();
    const mail = await eventually(() => smtp.mails[before], 10_000, 'code mail');
    await page.getByLabel('Code from the e-mail').fill(/\b(\d{6})\b/.exec(mail.raw)?.[1] as string);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/wiki`);
    const transfer = 'T'.repeat(43);
    await page.goto(`${base}/cdn-cgi/access/cli?transfer=${transfer}&app_path=%2Fwiki`);
    assert.match((await page.textContent('h1')) ?? '', /Authorize warren CLI\?/);
    assert.match((await page.textContent('main')) ?? '', /carol@example\.test/);
    assert.match((await page.textContent('#code')) ?? '', /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await capture(page, 'cli-authorize');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('heading', { name: 'warren CLI authorized' }).waitFor();
    await capture(page, 'cli-authorized');
    // A provider whose login answers but whose token endpoint is down (127.0.0.1:9): the page
    // says the answer could not be verified. The provider's login page is played by a route.
    await fresh.clearCookies();
    const idp = await fresh.newPage();
    await idp.route('http://127.0.0.1:9/**', async (route) => {
      const u = new URL(route.request().url());
      const back = new URL(u.searchParams.get('redirect_uri') ?? '');
      back.search = new URLSearchParams({ code: 'c', state: u.searchParams.get('state') ?? '' }).toString();
      await route.fulfill({ status: 302, headers: { location: back.href } });
    });
    await idp.goto(`${base}/wiki`);
    await idp.getByRole('link', { name: 'Sign in with Alpha SSO' }).click();
    await idp.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
    assert.match((await idp.textContent('main')) ?? '', /could not be verified/);
    await capture(idp, 'error-broken-idp');
    await fresh.close();
  });

  test('error pages share the look: unknown app, unknown sign-in method, too many attempts, not found', async () => {
    const page = await context.newPage();
    let res = await page.goto(`${teamBase}/cdn-cgi/access/login/${f.hostname}?kid=nope&redirect_url=%2F`);
    assert.equal(res?.status(), 404);
    assert.match((await page.textContent('h1')) ?? '', /Unknown application/);
    await capture(page, 'error-unknown-app');
    const login = String(
      (await visit(f.serve.httpPort, `${f.hostname}:${f.serve.httpPort}`, '/wiki')).headers.location,
    );
    res = await page.goto(`${login}&idp=nope`);
    assert.equal(res?.status(), 400);
    await capture(page, 'error-unknown-method');
    // Too many code requests for one address: the throttle's page (bounded: the 6th request locks).
    let locked = false;
    for (let i = 0; i < 8 && !locked; i++) {
      await page.goto(login);
      await page.getByLabel('E-mail address').fill('zed@example.test');
      const sent = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Send me a code' }).click();
      locked = (await sent).status() === 429;
    }
    assert.ok(locked, 'the address locks within 8 requests');
    await page.waitForLoadState();
    assert.match((await page.textContent('h1')) ?? '', /Too many attempts/);
    await capture(page, 'error-too-many');
    res = await page.goto(`${teamBase}/nothing-here`);
    assert.equal(res?.status(), 404);
    await capture(page, 'error-not-found');
    await page.close();
  });

  test('a service-token request that no policy admits goes to custom_non_identity_deny_url', async () => {
    const r = await visit(f.serve.httpPort, f.hostname, '/wiki', {
      headers: { 'cf-access-client-id': 'nobody.access', 'cf-access-client-secret': 'wrong' },
    });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://deny.example.test/robots');
    const plain = await visit(f.serve.httpPort, f.hostname, '/wiki');
    assert.match(String(plain.headers.location), /\/cdn-cgi\/access\/login\//, 'a browser still goes to the login');
  });
});
