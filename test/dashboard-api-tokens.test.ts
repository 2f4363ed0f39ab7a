import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';

/** More zones than one page of the zone list (the page read 50): the last ones were left out. */
const ZONES = 52;

describe('dashboard API tokens: every zone, the setup token, last used (Chromium + API)', () => {
  let d: SignedInDashboard;
  const zoneIds: string[] = [];

  before(async () => {
    d = await startSignedInDashboard();
    for (let i = 0; i < ZONES; i++) {
      const r = await d.api<{ id: string }>('POST', '/zones', {
        account: { id: d.accountId },
        name: `z${String(i).padStart(2, '0')}.example.com`,
      });
      assert.equal(r.status, 200, JSON.stringify(r.json.errors));
      zoneIds.push(r.json.result.id);
    }
  });
  after(async () => {
    await d?.close();
  });

  test('the setup token (no policies) lists its permissions as all of its roles, not as nothing', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/tokens`);
    const row = page.getByRole('row', { name: /bootstrap \(WARREN_ADMIN_TOKEN\)/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /All of your roles \(no policy limits it\)/);
  });

  test('a DNS Write token made in the dashboard writes in every zone of the account (the 52nd too), and shows when it was last used', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/tokens`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('dns bot');
    await dialog.getByLabel('DNS Write (all zones of this account)').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    const value = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.ok(value.length >= 20, value);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row', { name: /dns bot/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Never/);

    for (const zoneId of [zoneIds[0], zoneIds[ZONES - 1]]) {
      const res = await fetch(`${d.serve.apiBase}/client/v4/zones/${zoneId}/dns_records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${value}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'A', name: 'www', content: '192.0.2.1', ttl: 1 }),
      });
      assert.equal(res.status, 200, `zone ${zoneId}: ${await res.text()}`);
    }
    // Another account's zone stays out of reach.
    const other = await d.api<{ id: string }>('POST', '/accounts', { name: 'other' });
    const zone = await d.api<{ id: string }>('POST', '/zones', {
      account: { id: other.json.result.id },
      name: 'o.test',
    });
    const res = await fetch(`${d.serve.apiBase}/client/v4/zones/${zone.json.result.id}/dns_records`, {
      headers: { authorization: `Bearer ${value}` },
    });
    assert.notEqual(res.status, 200, 'no access to another account');

    const tokens = await d.api<{ name: string; last_used_on: string | null }[]>('GET', '/user/tokens');
    const used = tokens.json.result.find((t) => t.name === 'dns bot')?.last_used_on;
    assert.ok(typeof used === 'string' && Date.now() - Date.parse(used) < 120_000, `last_used_on ${used}`);
    await page.reload();
    await row.waitFor();
    assert.doesNotMatch((await row.textContent()) ?? '', /Never/);
    await screenshot(page, 'tokens-last-used');
    d.watched.assertClean();
  });
});
