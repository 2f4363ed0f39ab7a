import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { TxtServer } from './support/txt-server.js';

interface ZoneResult {
  id: string;
  name: string;
  status: string;
  type: string;
  verification_key?: string;
}

describe('dashboard "Add a site" in Chromium', () => {
  let d: SignedInDashboard;
  // The resolver warren asks for TXT (partial) and NS (full) checks: NXDOMAIN until a test adds a record.
  const dns = new TxtServer();

  before(async () => {
    const resolver = await dns.listen();
    // Full zones wait for their delegation, as on a public deployment.
    d = await startSignedInDashboard({ args: ['--no-zone-auto-activate', '--verify-resolver', resolver] });
  });
  after(async () => {
    await d?.close();
    dns.close();
  });

  const zones = async () => (await d.api<ZoneResult[]>('GET', '/zones?per_page=50')).json.result;

  test('the empty DNS page points at Add a site and the real command', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns`);
    await page.getByText('No site yet').waitFor();
    assert.ok(await page.getByText('warren zone add example.com').isVisible());
    assert.equal(await page.getByText('warren admin zone add').count(), 0);
    await screenshot(page, 'dns-no-site');
  });

  test('adds a full site: the name servers to set, pending, and Check now', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns`);
    await page.getByRole('button', { name: 'Add a site' }).click();
    const dialog = page.getByRole('dialog');
    // A bad name is refused under the field.
    await dialog.getByLabel('Domain').fill('com');
    await dialog.getByRole('button', { name: 'Add site' }).click();
    await dialog.locator('.field-error').waitFor();
    await dialog.getByLabel('Domain').fill('example.com');
    await dialog.getByLabel('Setup').selectOption('full');
    await screenshot(page, 'add-site-dialog');
    await dialog.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { level: 1, name: 'DNS records of example.com' }).waitFor();
    await page.getByRole('heading', { name: 'Finish adding example.com' }).waitFor();
    const ns = (await page.getByLabel('Name servers').textContent()) ?? '';
    assert.equal(ns, 'ns1.warren.localhost\nns2.warren.localhost');
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByRole('status').getByText('Not yet').waitFor();
    assert.ok(
      dns.queries.some((q) => q.startsWith('example.com NS')),
      `NS asked: ${dns.queries.join(', ')}`,
    );
    await screenshot(page, 'add-site-full');
    const z = (await zones()).find((x) => x.name === 'example.com');
    assert.equal(z?.type, 'full');
    assert.equal(z?.status, 'pending');
  });

  test('adds a partial site: the TXT line, then Check now activates it once the record is there', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns`);
    await page.getByRole('button', { name: 'Add a site' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Domain').fill('example.org');
    await dialog.getByLabel('Setup').selectOption('partial');
    await dialog.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'Finish adding example.org' }).waitFor();
    const z = (await zones()).find((x) => x.name === 'example.org');
    assert.equal(z?.type, 'partial');
    const key = z?.verification_key ?? '';
    assert.ok(key.length > 0);
    const txt = (await page.getByLabel('TXT record').textContent()) ?? '';
    assert.match(txt, /^warren-verify\.example\.org\. TXT "/);
    assert.ok(txt.includes(key), 'the TXT line carries the verification key');
    // The CNAME lines the user will create at their provider are explained too.
    await page.getByRole('heading', { name: 'At your DNS provider' }).waitFor();
    await screenshot(page, 'add-site-partial');

    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByRole('status').getByText('Not yet').waitFor();
    dns.records.set('warren-verify.example.org', [[key]]);
    await page.getByRole('button', { name: 'Check now' }).click();
    // Active: the finish-up card goes away and the status says so.
    await page.getByRole('heading', { name: 'Finish adding example.org' }).waitFor({ state: 'detached' });
    assert.equal((await zones()).find((x) => x.name === 'example.org')?.status, 'active');
    await screenshot(page, 'add-site-partial-active');
    d.watched.assertClean();
  });
});
