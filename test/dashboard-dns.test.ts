import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';

interface RecordResult {
  id: string;
  name: string;
  content: string;
}

/** The message shown under the labelled field of the open dialog (its aria-describedby error). */
async function fieldError(page: Page, label: string): Promise<string> {
  const input = page.getByRole('dialog').getByLabel(label, { exact: true });
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `${label} is marked invalid`);
  const ids = (await input.getAttribute('aria-describedby')) ?? '';
  const errorId = ids.split(' ').find((id) => id.endsWith('-error'));
  assert.ok(errorId, `${label} is described by an error`);
  return (await page.locator(`[id="${errorId}"]`).textContent()) ?? '';
}

describe('dashboard DNS editor in Chromium', () => {
  let d: SignedInDashboard;
  let zoneId: string;

  before(async () => {
    d = await startSignedInDashboard();
    const zone = await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' });
    zoneId = zone.json.result.id;
    for (const [name, content] of [
      ['mail', '192.0.2.20'],
      ['mailer', '192.0.2.21'],
      ['shop', '192.0.2.22'],
    ]) {
      await d.api('POST', `/zones/${zoneId}/dns_records`, { type: 'A', name, content });
    }
  });
  after(async () => d?.close());

  const records = async () =>
    (await d.api<RecordResult[]>('GET', `/zones/${zoneId}/dns_records?per_page=100`)).json.result;

  test('adds, edits (the server refusal shown next to Content) and deletes a record', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns`);
    await page.getByRole('link', { name: 'example.com' }).click();
    await page.getByRole('heading', { level: 1, name: 'DNS records of example.com' }).waitFor();
    await screenshot(page, 'dns-records');

    await page.getByRole('button', { name: 'Add a record' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('www');
    await dialog.getByLabel('Content', { exact: true }).fill('192.0.2.10');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Added A www').waitFor();
    await page.getByRole('cell', { name: '192.0.2.10', exact: true }).waitFor();
    assert.ok((await records()).some((r) => r.name === 'www.example.com' && r.content === '192.0.2.10'));

    await page.getByRole('button', { name: 'Edit A www.example.com' }).click();
    await dialog.getByLabel('Content', { exact: true }).fill('192.0.2.999');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.locator('.field-error').waitFor();
    assert.match(await fieldError(page, 'Content'), /192\.0\.2\.999" is not an IPv4 address/);
    await screenshot(page, 'dns-record-error');
    await dialog.getByLabel('Content', { exact: true }).fill('192.0.2.11');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: '192.0.2.11', exact: true }).waitFor();
    assert.ok((await records()).some((r) => r.name === 'www.example.com' && r.content === '192.0.2.11'));

    await page.getByRole('button', { name: 'Delete A www.example.com' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('Deleted A www.example.com').waitFor();
    assert.ok(!(await records()).some((r) => r.name === 'www.example.com'));
    d.watched.assertClean();
  });

  test('searches the records and pages through them', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns/${zoneId}`);
    await page.getByLabel('Search', { exact: true }).fill('mail');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Page 1 of 1 (2 records)').waitFor();
    const names = await page.getByRole('table').locator('tbody td[data-label="Name"]').allTextContents();
    assert.deepEqual(names.sort(), ['mail.example.com', 'mailer.example.com']);
    d.watched.assertClean();
  });

  test('the proxied toggle proxies a record through the edge', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/dns/${zoneId}`);
    await page.getByRole('checkbox', { name: 'DNS only (shop.example.com)' }).click();
    await page.getByRole('status').getByText('shop.example.com is proxied now.').waitFor();
    const shop = (
      await d.api<(RecordResult & { proxied: boolean })[]>('GET', `/zones/${zoneId}/dns_records?name=shop.example.com`)
    ).json.result[0];
    assert.equal(shop?.proxied, true);
    await page.getByRole('checkbox', { name: 'Proxied (shop.example.com)' }).waitFor();
    d.watched.assertClean();
  });

  test('a partial zone shows the exact CNAME to create at its own DNS provider', async () => {
    const { page } = d;
    const partial = await d.api<{ id: string }>('POST', '/zones', {
      account: { id: d.accountId },
      name: 'example.net',
      type: 'partial',
    });
    assert.equal(partial.status, 200, JSON.stringify(partial.json.errors));
    const id = partial.json.result.id;
    const rec = await d.api('POST', `/zones/${id}/dns_records`, {
      type: 'A',
      name: 'shop',
      content: '192.0.2.30',
      proxied: true,
    });
    assert.equal(rec.status, 200, JSON.stringify(rec.json.errors));
    await page.goto(`${d.serve.apiBase}/dns/${id}`);
    await page.getByRole('heading', { name: 'At your DNS provider' }).waitFor();
    await page.getByText(/shop\.example\.net\. CNAME shop\.example\.net\.cdn\.[a-z0-9.-]+\./).waitFor();
    await screenshot(page, 'dns-partial-zone');
    await page.goto(`${d.serve.apiBase}/dns`);
    await page.getByRole('link', { name: 'example.net' }).waitFor();
    await screenshot(page, 'dns-zones');
    d.watched.assertClean();
  });
});
