import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

describe('the warren login page, in the dashboard look', () => {
  let d: SignedInDashboard;
  let cli: Proc | undefined;

  before(async () => {
    d = await startSignedInDashboard();
    const zone = await d.api('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' });
    assert.equal(zone.status, 200, JSON.stringify(zone.json));
  });
  after(async () => {
    await cli?.stop('SIGKILL');
    await d?.close();
  });

  test('sign in, pick a zone, authorize: the waiting `warren login` writes cert.pem; each step is accessible at both sizes', async () => {
    const home = tempDir('warren-home-');
    cli = startCli(['login', '--api', d.serve.apiBase, '--no-browser'], { env: { HOME: home }, cwd: home });
    const [url] = await cli.waitFor(/http:\/\/\S+\/argotunnel\?callback=[A-Za-z0-9_-]+/);
    // A browser with no dashboard session: the sign-in form first.
    const fresh = await d.browser.newContext();
    const page = await fresh.newPage();
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Authorize warren' }).waitFor();
    await screenshot(page, 'login-sign-in');
    await page.getByLabel('E-mail').fill(d.email);
    await page.getByLabel('Password').fill(d.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose a zone' }).waitFor();
    await screenshot(page, 'login-choose-zone');
    await page.getByLabel('example.com').check();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('status').getByText('you can close this window').waitFor();
    await screenshot(page, 'login-authorized');
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.ok(existsSync(join(home, '.warren', 'cert.pem')));
    cli = undefined;
    await fresh.close();
  });

  test('a browser signed in to the dashboard goes straight to the zone: the live session is reused, no password asked', async () => {
    const home = tempDir('warren-home-');
    cli = startCli(['login', '--api', d.serve.apiBase, '--no-browser'], { env: { HOME: home }, cwd: home });
    const [url] = await cli.waitFor(/http:\/\/\S+\/argotunnel\?callback=[A-Za-z0-9_-]+/);
    const page = await d.watched.newPage();
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Choose a zone' }).waitFor();
    assert.match((await page.textContent('main')) ?? (await page.textContent('body')) ?? '', /your dashboard session/);
    assert.equal(await page.getByLabel('Password').count(), 0);
    await screenshot(page, 'login-session-reused');
    await page.getByLabel('example.com').check();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('status').getByText('you can close this window').waitFor();
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.ok(existsSync(join(home, '.warren', 'cert.pem')));
    cli = undefined;
    d.watched.assertClean();
  });
});
