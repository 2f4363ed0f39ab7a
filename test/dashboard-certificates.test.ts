import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';

interface CertResult {
  id: string;
  hostnames: string[];
  status: string;
  certificate: string;
}

describe('dashboard origin certificates in Chromium', () => {
  let d: SignedInDashboard;
  let zoneId: string;

  before(async () => {
    d = await startSignedInDashboard();
    zoneId = (await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' })).json
      .result.id;
  });
  after(async () => d?.close());

  test('creates a certificate with a key made in the browser (shown once, downloadable), then revokes it after a confirmation', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/certificates`);
    await page.getByRole('heading', { level: 1, name: 'Origin certificates' }).waitFor();
    await page.getByText('No origin certificate for this zone yet.').waitFor();
    await screenshot(page, 'certificates-empty');

    await page.getByRole('button', { name: 'Create a certificate' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Hostnames').inputValue(), 'example.com, *.example.com');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const key = page.locator('[data-secret="private-key"]');
    await key.waitFor({ timeout: 20_000 });
    const keyPem = (await key.textContent()) ?? '';
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    await screenshot(page, 'certificates-issued');

    // The certificate the server signed is for the browser's key and the asked names.
    const certs = (await d.api<CertResult[]>('GET', `/certificates?zone_id=${zoneId}`)).json.result;
    assert.equal(certs.length, 1);
    const cert = new X509Certificate(certs[0]?.certificate ?? '');
    assert.equal(cert.subjectAltName, 'DNS:example.com, DNS:*.example.com');
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem)), 'the key matches');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download key' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'origin-key.pem');
    assert.equal(readFileSync((await file.path()) ?? '', 'utf8'), keyPem);

    // Once dismissed, the key is gone from the page for good: the server never had it.
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'example.com, *.example.com', exact: true }).waitFor();
    assert.equal(await page.locator('[data-secret="private-key"]').count(), 0);
    assert.ok(!(await page.content()).includes('PRIVATE KEY'));

    await page.getByRole('button', { name: 'Revoke example.com, *.example.com' }).click();
    await page.getByRole('dialog').getByText('cannot be undone').waitFor();
    await screenshot(page, 'certificates-revoke-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').getByText('Revoked the certificate for example.com, *.example.com').waitFor();
    await page.getByRole('cell', { name: 'Revoked', exact: true }).first().waitFor();
    const after = (await d.api<CertResult>('GET', `/certificates/${certs[0]?.id ?? ''}`)).json.result;
    assert.equal(after.status, 'revoked');
    await screenshot(page, 'certificates-revoked');
    d.watched.assertClean();
  });

  test("a hostname outside the account's zones is refused next to the Hostnames field", async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/certificates`);
    await page.getByRole('button', { name: 'Create a certificate' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Hostnames').fill('www.example.org');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog
      .locator('.field-error')
      .getByText('not in an active zone of your accounts')
      .waitFor({ timeout: 20_000 });
    assert.equal(await dialog.getByLabel('Hostnames').getAttribute('aria-invalid'), 'true');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    d.watched.assertClean();
  });
});
