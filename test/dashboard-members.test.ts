import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type SignedInDashboard,
  screenshot,
  signIn,
  startSignedInDashboard,
  WatchedContext,
} from './support/dashboard-browser.js';

describe('dashboard members and API tokens in Chromium', () => {
  let d: SignedInDashboard;

  before(async () => {
    d = await startSignedInDashboard();
  });
  after(async () => d?.close());

  const verify = async (token: string) =>
    (
      await fetch(`${d.serve.apiBase}/client/v4/user/tokens/verify`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;

  test('creates a token with a permission (its value shown once), rolls it and deletes it', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/tokens`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('ci reader');
    await dialog.getByLabel('Account Settings Read').check();
    await screenshot(page, 'tokens-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const value = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.ok(value.length >= 20, value);
    assert.equal(await verify(value), 200, 'the token shown works');
    // It reads the account and nothing more.
    const accounts = await fetch(`${d.serve.apiBase}/client/v4/accounts/${d.accountId}`, {
      headers: { authorization: `Bearer ${value}` },
    });
    assert.equal(accounts.status, 200);
    const members = await fetch(`${d.serve.apiBase}/client/v4/accounts/${d.accountId}/members`, {
      headers: { authorization: `Bearer ${value}` },
    });
    assert.equal(members.status, 403);
    await screenshot(page, 'tokens-shown-once');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'ci reader', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('cell', { name: 'ci reader', exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(value), 'the value is not shown again');

    await page.getByRole('button', { name: 'Roll ci reader' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll' }).click();
    const rolled = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.notEqual(rolled, value);
    assert.equal(await verify(rolled), 200);
    assert.equal(await verify(value), 401, 'the old value stops working');
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Delete ci reader' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('Deleted ci reader.').waitFor();
    assert.equal(await verify(rolled), 401);
    await screenshot(page, 'tokens');
    d.watched.assertClean();
  });

  test('the account tokens section creates, rolls and deletes an account-owned token', async () => {
    const { page } = d;
    const verifyIn = async (token: string) =>
      (
        await fetch(`${d.serve.apiBase}/client/v4/accounts/${d.accountId}/tokens/verify`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    await page.goto(`${d.serve.apiBase}/tokens`);
    await page.getByRole('button', { name: 'Create an account token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('deploy bot');
    await dialog.getByLabel('Cloudflare Tunnel Read').check();
    assert.equal(await dialog.getByLabel('API Tokens Write').count(), 0, 'no user permission for an account token');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const value = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.equal(await verifyIn(value), 200, 'the account token shown works');
    await page.getByRole('button', { name: 'Done' }).click();
    const section = page.getByRole('region', { name: /^Account tokens of / });
    await section.getByRole('cell', { name: 'deploy bot', exact: true }).waitFor();
    await screenshot(page, 'tokens-account');

    await page.getByRole('button', { name: 'Roll account token deploy bot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll' }).click();
    const rolled = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.equal(await verifyIn(rolled), 200);
    assert.equal(await verifyIn(value), 401, 'the old value stops working');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Delete account token deploy bot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('Deleted deploy bot.').waitFor();
    assert.equal(await verifyIn(rolled), 401);
    d.watched.assertClean();
  });

  test('invites a member (no SMTP: a copyable link), who accepts from it and signs in; changing roles warns', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/members`);
    await page.getByRole('button', { name: 'Invite a member' }).click();
    await page.getByRole('dialog').getByLabel('E-mail').fill('bob@example.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Invite' }).click();
    // serve has no --smtp-url: the page shows the link to pass on, with a copy button.
    await page.getByRole('heading', { name: 'Invitation link for bob@example.com' }).waitFor();
    const shown = (await page.getByTestId('invite-link').textContent()) ?? '';
    assert.match(shown, /^http:\/\/\S+\/invite\?token=\S+$/);
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText('Copied').waitFor();
    assert.equal(String(await page.evaluate('navigator.clipboard.readText()')), shown);
    await page.getByRole('cell', { name: 'bob@example.com', exact: true }).waitFor();
    await page
      .getByText(/^Invited, expires \d{4}-\d{2}-\d{2}$/)
      .first()
      .waitFor();
    await screenshot(page, 'members');
    const invitee = await WatchedContext.open(d.browser, d.serve.apiBase);
    try {
      const p = await invitee.newPage();
      await p.goto(shown);
      await p.getByLabel(/Choose a password/).fill('bob picked a passphrase');
      await p.getByLabel('Repeat the password').fill('bob picked a passphrase');
      await p.getByRole('button', { name: 'Set password and join' }).click();
      await p.getByRole('link', { name: 'Sign in to the dashboard' }).click();
      await signIn(p, d.serve.apiBase, 'bob@example.com', 'bob picked a passphrase');
      invitee.assertClean();
    } finally {
      await invitee.close();
    }
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await page.getByRole('button', { name: 'Change role of bob@example.com' }).click();
    await page.getByRole('dialog').getByText("rolls this member's API key").waitFor();
    await screenshot(page, 'members-change-role');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    d.watched.assertClean();
  });

  test('members past the API page cap of 50 are on the next page, reached with Next', async () => {
    const { page } = d;
    const invited = Array.from({ length: 51 }, (_, i) => `paged-${String(i).padStart(2, '0')}@example.com`);
    for (const email of invited) {
      const r = await d.api('POST', `/accounts/${d.accountId}/members`, {
        email,
        roles: ['05784afa30c1afe1440e79d9351c7430'],
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    await page.goto(`${d.serve.apiBase}/members`);
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await pages.getByText(/^Page 1 of 2 \(\d+ members\)$/).waitFor();
    const firstCells = page.locator('tbody tr td:first-child');
    const first = await firstCells.allTextContents();
    assert.equal(first.length, 50);
    await pages.getByRole('button', { name: 'Next' }).click();
    await pages.getByText(/^Page 2 of 2 /).waitFor();
    assert.ok(await pages.getByRole('button', { name: 'Next' }).isDisabled());
    const second = await firstCells.allTextContents();
    assert.ok(second.length >= 1);
    const seen = new Set([...first, ...second]);
    assert.equal(seen.size, first.length + second.length, 'no member on both pages');
    for (const email of invited) assert.ok(seen.has(email), `${email} is on one of the pages`);
    await screenshot(page, 'members-page-2');
    await pages.getByRole('button', { name: 'Previous' }).click();
    await pages.getByText(/^Page 1 of 2 /).waitFor();
    d.watched.assertClean();
  });
});
