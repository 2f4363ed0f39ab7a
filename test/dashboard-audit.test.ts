import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AUDIT_ACTIONS } from '../src/store/index.js';
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
          .result.length === 4,
      20_000,
      "the connector's four Registered audit entries",
    );
  });
  after(async () => {
    await connector?.stop();
    await d?.close();
    await origin?.close();
  });

  test('the API names the tunnel on connection entries (metadata.tunnel_name)', async () => {
    const r = await d.api<{ metadata: { tunnel_name?: string } }[]>(
      'GET',
      `/accounts/${d.accountId}/audit_logs?action.type=Registered&per_page=10`,
    );
    assert.deepEqual(
      r.json.result.map((e) => e.metadata.tunnel_name),
      ['web', 'web', 'web', 'web'],
    );
  });

  test('shows the connector registering (one row for its four links, naming the tunnel) and the CNAME add in words, the raw entry on demand, and filters by action', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    // The words are in the entries' summaries (the Action filter lists them too, as options).
    const entries = page.locator('td[data-label="Action"] summary');
    const connected = entries.filter({ hasText: 'Connector connected to tunnel web (4 connections)' });
    await connected.waitFor();
    assert.equal(await entries.filter({ hasText: 'Connector connected' }).count(), 1, 'one row, not four');
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
    await page.getByLabel('Actor').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('Page 1 of 1 (4 entries)').waitFor();
    await eventually(
      async () => {
        const actions = await entries.allTextContents();
        return actions.length === 1 && actions[0] === 'Connector connected to tunnel web (4 connections)';
      },
      5_000,
      'only the Registered row',
    );
    // The filters are in the address: a reload (or a shared link) shows the same view.
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('action'), 'Registered');
    assert.equal(url.searchParams.get('actor'), '127.0.0.1');
    await page.reload();
    await page.getByText('Page 1 of 1 (4 entries)').waitFor();
    assert.equal(await page.getByLabel('Action').inputValue(), 'Registered');
    assert.equal(await page.getByLabel('Actor').inputValue(), '127.0.0.1');
    // Back goes to the unfiltered log, and the form follows.
    await page.goBack();
    await eventually(async () => (await page.getByLabel('Action').inputValue()) === '', 5_000, 'filter cleared');
    await entries.filter({ hasText: 'CNAME record added' }).waitFor();
    // Every action warren writes is in the filter, in words.
    const options = await page
      .getByLabel('Action')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(options.filter((o) => o !== '').sort(), [...AUDIT_ACTIONS].sort());
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
