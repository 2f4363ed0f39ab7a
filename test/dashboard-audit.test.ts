import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, startCli } from './support/warren-processes.js';

describe('dashboard audit log in Chromium', () => {
  let d: SignedInDashboard;
  let origin: TestOrigin;
  let connector: Proc | undefined;

  before(async () => {
    d = await startSignedInDashboard();
    origin = await startTestOrigin();
    const zoneId = (
      await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' })
    ).json.result.id;
    const tunnelId = (await d.api<{ id: string }>('POST', `/accounts/${d.accountId}/cfd_tunnel`, { name: 'web' })).json
      .result.id;
    const route = await d.api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'app.example.com',
    });
    assert.equal(route.status, 200, JSON.stringify(route.json.errors));
    const token = (await d.api<string>('GET', `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/token`)).json.result;
    connector = startCli([
      'tunnel',
      'run',
      '--edge',
      `127.0.0.1:${d.serve.tunnelPort}`,
      '--edge-ca',
      d.serve.caPath,
      '--url',
      origin.url,
      '--token',
      token,
    ]);
    await eventually(
      async () =>
        (await d.api<unknown[]>('GET', `/accounts/${d.accountId}/audit_logs?action.type=Registered&per_page=10`)).json
          .result.length > 0,
      20_000,
      'a Registered audit entry',
    );
  });
  after(async () => {
    await connector?.stop();
    await d?.close();
    await origin?.close();
  });

  test('shows the connector registering and the CNAME add in words, the raw entry on demand, and filters by action', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    // The words are in the entries' summaries (the Action filter lists them too, as options).
    const entries = page.locator('td[data-label="Action"] summary');
    await entries.filter({ hasText: 'Tunnel connection registered' }).first().waitFor();
    await entries.filter({ hasText: 'CNAME record added' }).waitFor();
    await screenshot(page, 'audit');

    await entries.filter({ hasText: 'CNAME record added' }).click();
    const raw = page.locator('details[open] pre');
    await raw.waitFor();
    const entry = JSON.parse((await raw.textContent()) ?? '{}') as {
      action: { type: string };
      metadata: { name: string };
    };
    assert.equal(entry.action.type, 'rec_add');
    assert.equal(entry.metadata.name, 'app.example.com');
    await screenshot(page, 'audit-raw-entry');

    await page.getByLabel('Action').selectOption('Registered');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(/Page 1 of 1 \(\d+ entries\)/).waitFor();
    await eventually(
      async () => {
        const actions = await entries.allTextContents();
        return actions.length > 0 && actions.every((a) => a === 'Tunnel connection registered');
      },
      5_000,
      'only Registered entries',
    );
    d.watched.assertClean();
  });

  test('exports the filtered entries as CSV', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/audit`);
    await page.getByLabel('Action').selectOption('rec_add');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('Page 1 of 1 (1 entries)').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    const csv = readFileSync((await file.path()) ?? '', 'utf8');
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 2, csv);
    assert.match(lines[0] ?? '', /^"when","action","action_type"/);
    assert.match(lines[1] ?? '', /"CNAME record added","rec_add","success","admin@example\.com"/);
    d.watched.assertClean();
  });
});
