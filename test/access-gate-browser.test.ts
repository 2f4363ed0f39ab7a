import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createAccessVerifier } from '../src/verify/index.js';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'browser.access.warren.localhost';
const EMAIL = 'carol@example.test';

describe('Access one-time PIN login in Chromium', {
  skip: chromiumSkip,
  timeout: 120_000,
}, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let browser: Browser;
  let aud: string;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture(['--smtp-url', smtp.url]);
    await f.api('POST', acc('/organizations'), { name: 'Browser', auth_domain: TEAM });
    await f.api('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    const app = (await f.api<{ id: string; aud: string }>('POST', acc('/apps'), { name: 'App', domain: f.hostname }))
      .result;
    aud = app.aud;
    await f.api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'carol',
      decision: 'allow',
      include: [{ email: { email: EMAIL } }],
    });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(async () => (await visit(f.serve.httpPort, f.hostname, '/')).status === 302, 10_000, 'gate');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
    await smtp?.close();
  });

  test('protected page → PIN form → mail → code → the app, with a JWT the origin can verify; logout → protected again', async () => {
    const base = `http://${f.hostname}:${f.serve.httpPort}`;
    const page = await browser.newPage();
    await page.goto(`${base}/echo?from=browser`);
    assert.ok(page.url().startsWith(`http://${TEAM}:${f.serve.httpPort}/cdn-cgi/access/login/`), page.url());
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.click('button[type=submit]');
    const mail = await eventually(() => smtp.mails.find((m) => m.to.includes(EMAIL)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    await page.getByLabel('Code from the e-mail').fill(code);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/echo?from=browser`);
    const seen = JSON.parse((await page.textContent('body')) ?? '{}') as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-authenticated-user-email'], EMAIL);
    const verifier = createAccessVerifier({
      teamDomain: TEAM,
      audience: aud,
      jwksUrl: `${f.serve.apiBase}/client/v4/accounts/${f.accountId}/access/certs`,
    });
    assert.equal((await verifier.verify(seen.headers['cf-access-jwt-assertion'] as string)).email, EMAIL);
    const cookie = (await page.context().cookies(base)).find((c) => c.name === 'CF_Authorization');
    assert.ok(cookie !== undefined);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.domain, f.hostname, 'host-only');
    await page.goto(`${base}/cdn-cgi/access/logout`);
    assert.match((await page.textContent('h1')) ?? '', /Logged out/);
    await page.goto(`${base}/echo`);
    assert.ok(page.url().includes('/cdn-cgi/access/login/'), 'protected again');
    await page.close();
  });
});
