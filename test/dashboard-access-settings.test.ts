import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  SCREENSHOT_DIR,
  type SignedInDashboard,
  screenshot,
  startSignedInDashboard,
} from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, startCli } from './support/warren-processes.js';

const EMAIL = 'dana@example.com';

/**
 * A newcomer's path, in the dashboard alone: add a site, an Access application (which gives the
 * account a default team domain and warns that nobody can log in yet), the Access settings (team
 * name, session, a one-time PIN login method), a policy, then a visitor logs in with a mailed PIN.
 * Only the tunnel that serves the hostname is set up through the API (the tunnel pages have their tests).
 */
describe('dashboard Access settings, then a PIN login to an app made in the dashboard', { timeout: 180_000 }, () => {
  let d: SignedInDashboard;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let origin: TestOrigin;
  let connector: Proc | undefined;

  before(async () => {
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    d = await startSignedInDashboard({ args: ['--smtp-url', smtp.url] });
  });
  after(async () => {
    await connector?.stop();
    await d?.close();
    await origin?.close();
    await smtp?.close();
  });

  test('settings page, per-app login methods and warnings, then a visitor logs in with a PIN', async () => {
    const { page } = d;
    const base = d.serve.apiBase;
    // The site, from the dashboard (full setup is active at once on a loopback serve).
    await page.goto(`${base}/dns`);
    await page.getByRole('button', { name: 'Add a site' }).click();
    await page.getByRole('dialog').getByLabel('Domain').fill('example.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { level: 1, name: 'DNS records of example.com' }).waitFor();

    // Settings before anything: no team domain yet, said plainly; keys never rotated.
    await page.goto(`${base}/access/settings`);
    await page.getByRole('heading', { level: 1, name: 'Access settings' }).waitFor();
    await page.getByText('No team domain yet').waitFor();
    await page.getByText('Never rotated: no key yet').waitFor();
    await page.getByText('42 days after the first key (automatic)').waitFor();
    await screenshot(page, 'access-settings-empty');

    // The first application: the dialog says a team domain will be made; the app page warns of no login method.
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('button', { name: 'Add an application' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('adding this application creates one').waitFor();
    await dialog.getByLabel('Name').fill('Staff app');
    await dialog.getByLabel('Domain').fill('app.example.com');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('heading', { level: 1, name: 'Staff app' }).waitFor();
    await page.getByRole('alert').getByText('This account has no login method').waitFor();
    assert.equal(await page.getByText('This account has no team domain').count(), 0, 'the app made one');
    await screenshot(page, 'access-app-no-login-method');
    const appUrl = page.url();

    // Access settings: the default team domain is shown; rename it, shorten sessions, add one-time PIN.
    // The warning's link leads to the settings.
    await page.getByRole('alert').getByRole('link', { name: 'Access settings' }).click();
    await page.getByText('Visitors log in at').getByText('default.access.warren.localhost').waitFor();
    await page.getByLabel('Team name').fill('not a name');
    await page.getByRole('button', { name: 'Save team settings' }).click();
    await page.locator('.field-error').getByText('letters, digits and dashes').waitFor();
    await page.getByLabel('Team name').fill('corp');
    await page.getByLabel('Session duration').selectOption('6h');
    await page.getByRole('button', { name: 'Save team settings' }).click();
    await page.getByRole('status').getByText('Visitors log in at corp.access.warren.localhost').waitFor();
    await page.getByRole('button', { name: 'Add a login method' }).click();
    await dialog.getByLabel('Type').selectOption('onetimepin');
    await dialog.getByLabel('Name').fill('E-mail PIN');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('cell', { name: 'E-mail PIN', exact: true }).waitFor();
    await screenshot(page, 'access-settings');

    // Back on the app: no warning; it allows only the PIN method; a policy lets Dana in.
    await page.goto(appUrl);
    await page.getByRole('heading', { level: 1, name: 'Staff app' }).waitFor();
    await page.getByRole('button', { name: 'Add a policy' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no warning once a team domain and a login method exist');
    await page.getByRole('button', { name: 'Edit application' }).click();
    await dialog.getByRole('checkbox', { name: 'E-mail PIN' }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved the application.').waitFor();
    await page.getByRole('button', { name: 'Add a policy' }).click();
    await dialog.getByLabel('Policy name').fill('Dana');
    await dialog.getByLabel('Rule 1: selector').selectOption('email');
    await dialog.getByLabel('Rule 1: E-mail address').fill(EMAIL);
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText('Saved the policy Dana.').waitFor();
    await screenshot(page, 'access-app-ready');
    d.watched.assertClean();

    const apps = (await d.api<{ id: string; allowed_idps: string[] }[]>('GET', `/accounts/${d.accountId}/access/apps`))
      .json.result;
    const idps = (await d.api<{ id: string }[]>('GET', `/accounts/${d.accountId}/access/identity_providers`)).json
      .result;
    assert.deepEqual(apps[0]?.allowed_idps, [idps[0]?.id]);

    // The hostname served by a tunnel (API), then a visitor in a fresh context logs in with the PIN.
    const zone = (await d.api<{ id: string }[]>('GET', '/zones?name=example.com')).json.result[0]?.id ?? '';
    const tunnel = (await d.api<{ id: string }>('POST', `/accounts/${d.accountId}/cfd_tunnel`, { name: 'web' })).json
      .result.id;
    await d.api('PUT', `/zones/${zone}/tunnels/${tunnel}/routes`, { type: 'dns', user_hostname: 'app.example.com' });
    const token = (await d.api<string>('GET', `/accounts/${d.accountId}/cfd_tunnel/${tunnel}/token`)).json.result;
    connector = startCli([
      'tunnel',
      'run',
      '--edge',
      `127.0.0.1:${d.serve.tunnelPort}`,
      '--edge-ca',
      d.serve.caPath,
      '--token',
      token,
      '--url',
      origin.url,
    ]);
    const visitor = await d.browser.newContext();
    const v = await visitor.newPage();
    const app = `http://app.example.com:${d.serve.httpPort}`;
    await v.goto(`${app}/echo?from=dashboard`);
    assert.ok(v.url().startsWith(`http://corp.access.warren.localhost:${d.serve.httpPort}/`), v.url());
    await v.getByLabel('E-mail address').fill(EMAIL);
    await v.click('button[type=submit]');
    const mail = await eventually(() => smtp.mails.find((m) => m.to.includes(EMAIL)), 10_000, 'the PIN mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] ?? '';
    await v.getByLabel('Code from the e-mail').fill(code);
    await v.click('button[type=submit]');
    await v.waitForURL(`${app}/echo?from=dashboard`);
    // The tunnel may still be connecting: reload until the origin answers.
    const seen = await eventually(
      async () => {
        const text = (await v.textContent('body')) ?? '';
        if (text.startsWith('{')) return JSON.parse(text) as { headers: Record<string, string> };
        await v.reload();
        return undefined;
      },
      15_000,
      'the origin behind Access',
    );
    assert.equal(seen.headers['cf-access-authenticated-user-email'], EMAIL);
    // The origin's own JSON: no dashboard page to check for accessibility, a plain picture.
    await v.screenshot({ path: join(SCREENSHOT_DIR, 'access-pin-login-done-1280.png') });
    await visitor.close();
  });
});
