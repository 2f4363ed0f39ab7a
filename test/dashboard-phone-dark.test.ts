import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PHONE, type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';

/** Pages captured in dark mode (axe checks their contrast at 1280 and 390 px). */
const PAGES = [
  '/tunnels',
  '/dns',
  '/certificates',
  '/access/apps',
  '/access/settings',
  '/audit',
  '/members',
  '/tokens',
];

describe('dashboard on a phone (menu) and in dark mode (prefers-color-scheme), in Chromium', () => {
  let d: SignedInDashboard;
  let zoneId: string;

  before(async () => {
    d = await startSignedInDashboard();
    zoneId = (await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' })).json
      .result.id;
    await d.api('POST', `/accounts/${d.accountId}/cfd_tunnel`, { name: 'web' });
  });
  after(async () => {
    await d?.close();
  });

  test('at 390 px the navigation is a menu: closed, opened by its button, closed again when a page opens', async () => {
    const { page } = d;
    await page.setViewportSize(PHONE);
    await page.goto(`${d.serve.apiBase}/tunnels`);
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    await menu.waitFor();
    assert.equal(await nav.isVisible(), false, 'the nav is closed on a phone');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    await nav.waitFor({ state: 'visible' });
    assert.equal(await page.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'phone-menu-open');
    await page.setViewportSize(PHONE); // screenshot() ends at 1280 px
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    // On a desktop the nav is always there and the button is not.
    await page.setViewportSize({ width: 1280, height: 800 });
    await nav.waitFor({ state: 'visible' });
    assert.equal(await menu.isVisible(), false);
    d.watched.assertClean();
  });

  test('dark mode follows prefers-color-scheme on every page, with AA contrast (axe)', async () => {
    const { page } = d;
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const path of PAGES) {
      await page.goto(`${d.serve.apiBase}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(
        await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
        'rgb(15, 17, 21)',
        path,
      );
      await screenshot(page, `dark${path.replaceAll('/', '-')}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${d.serve.apiBase}/tunnels`);
    assert.equal(
      await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
      'rgb(246, 247, 249)',
    );
    d.watched.assertClean();
  });

  test("a classic tunnel's page tells of its 24-48 h DNS cleanup and offers no public-hostname edits", async () => {
    const { page } = d;
    const classic = await d.api<{ id: string }>('POST', `/zones/${zoneId}/classic_tunnels`, {
      hostname: 'old.example.com',
    });
    assert.equal(classic.status, 200, JSON.stringify(classic.json.errors));
    await page.goto(`${d.serve.apiBase}/tunnels/${classic.json.result.id}`);
    const note = page.getByText(/A classic tunnel for old\.example\.com/);
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /deleted 24 to 48 hours after its last connector disconnects/);
    assert.equal(await page.getByRole('button', { name: 'Add a public hostname' }).count(), 0);
    await screenshot(page, 'tunnel-classic');
    d.watched.assertClean();
  });
});
