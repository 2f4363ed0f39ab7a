import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { CLI } from './support/warren-processes.js';

/** `warren admin create-user` with a password, on the running serve's data directory. */
async function createUser(dataDir: string, email: string, account: string, password: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [CLI, 'admin', 'create-user', '--email', email, '--account', account, '--password-stdin', '--data-dir', dataDir],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.stdin.end(password);
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
}

/** From now on, records in the page whether `text` is ever in the document. */
async function watchFor(page: Page, text: string): Promise<void> {
  await page.evaluate(`(() => {
    const text = ${JSON.stringify(text)};
    window.__seen = document.body.textContent.includes(text);
    new MutationObserver(() => {
      if (document.body.textContent.includes(text)) window.__seen = true;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
}

/** The message under the labelled field of the open dialog (its aria-describedby error). */
async function fieldError(page: Page, label: string): Promise<string> {
  const input = page.getByRole('dialog').getByLabel(label, { exact: true });
  await page.getByRole('dialog').locator('.field-error').first().waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `${label} is marked invalid`);
  const errorId = ((await input.getAttribute('aria-describedby')) ?? '').split(' ').find((id) => id.endsWith('-error'));
  assert.ok(errorId, `${label} is described by an error`);
  return (await page.locator(`[id="${errorId}"]`).textContent()) ?? '';
}

/** Whether `text` is anywhere in the page's live JavaScript heap (a snapshot, taken after a full GC). */
async function inHeap(page: Page, text: string): Promise<boolean> {
  const cdp = await page.context().newCDPSession(page);
  let snapshot = '';
  cdp.on('HeapProfiler.addHeapSnapshotChunk', (e: { chunk: string }) => {
    snapshot += e.chunk;
  });
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return snapshot.includes(text);
}

describe('dashboard server state and form errors in Chromium', () => {
  let d: SignedInDashboard;

  before(async () => {
    d = await startSignedInDashboard();
  });
  after(async () => d?.close());

  test("an application's domain outside the account's zones is refused under the Domain field (placed by warren_code)", async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/access/apps`);
    await page.getByRole('button', { name: 'Add an application' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Elsewhere');
    await dialog.getByLabel('Domain').fill('app.not-my-zone.test');
    await dialog.getByRole('button', { name: 'Add' }).click();
    assert.match(await fieldError(page, 'Domain'), /is not in a zone of this account/);
    d.watched.assertClean();
  });

  test('a public hostname with a path that is no regular expression is refused under Path, before any DNS route is made', async () => {
    const { page } = d;
    const zone = await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.org' });
    assert.equal(zone.status, 200, JSON.stringify(zone.json.errors));
    const tunnel = await d.api<{ id: string }>('POST', `/accounts/${d.accountId}/cfd_tunnel`, {
      name: 'paths',
      config_src: 'cloudflare',
    });
    const tunnelId = tunnel.json.result.id;
    await page.goto(`${d.serve.apiBase}/tunnels/${tunnelId}`);
    await page.getByRole('button', { name: 'Add a public hostname' }).click();
    const add = page.getByRole('dialog', { name: 'Add a public hostname' });
    await add.getByLabel('Hostname').fill('app.example.org');
    await add.getByLabel('Path (optional)').fill('(');
    await add.getByLabel('Service').fill('http://127.0.0.1:9');
    await add.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Path (optional)'), /^path is not a regular expression/);
    const routes = await d.api<unknown[]>('GET', `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/routes`);
    assert.deepEqual(routes.json.result, [], 'no DNS route was created for a rule that was refused');
    d.watched.assertClean();
  });

  test('the public-hostname form shows every field error at once, each under its field, and writes nothing', async () => {
    const { page } = d;
    const tunnel = await d.api<{ id: string }>('POST', `/accounts/${d.accountId}/cfd_tunnel`, {
      name: 'all-errors',
      config_src: 'cloudflare',
    });
    const tunnelId = tunnel.json.result.id;
    await page.goto(`${d.serve.apiBase}/tunnels/${tunnelId}`);
    await page.getByRole('button', { name: 'Add a public hostname' }).click();
    const add = page.getByRole('dialog', { name: 'Add a public hostname' });
    await add.getByLabel('Hostname').fill('app.not-my-zone.test');
    await add.getByLabel('Path (optional)').fill('(');
    await add.getByLabel('Service').fill('ftp://127.0.0.1:21');
    await add.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Hostname'), /is not inside a zone of this account/);
    assert.match(await fieldError(page, 'Path (optional)'), /^path is not a regular expression/);
    assert.match(await fieldError(page, 'Service'), /unknown scheme "ftp"/);
    await screenshot(page, 'public-hostname-all-errors');
    const routes = await d.api<unknown[]>('GET', `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/routes`);
    assert.deepEqual(routes.json.result, []);
    const conf = await d.api<{ version: number }>(
      'GET',
      `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/configurations`,
    );
    assert.equal(conf.json.result.version, 0, 'no configuration was written');
    d.watched.assertClean();
  });

  test('a new API token value is gone from the page once dismissed: no cache keeps a mutation result', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/tokens`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('heap check');
    await dialog.getByLabel('Account Settings Read').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    const value = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    assert.ok(value.length >= 20, value);
    assert.equal(await inHeap(page, value), true, 'the check finds the value while it is shown');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'heap check', exact: true }).waitFor();
    assert.equal(await page.locator('[data-secret="shown-once"]').count(), 0);
    // React keeps a component's previous render until its next one: render the page once more.
    await page.getByRole('button', { name: 'Create a token' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await inHeap(page, value), false, 'the token value outlived its panel in the page');
    d.watched.assertClean();
  });

  test("signing out forgets every cached answer: whoever signs in next in the tab never sees the last user's tokens", async () => {
    const { page } = d;
    const tokenName = `admin-only-${randomBytes(4).toString('hex')}`;
    const groups = (await d.api<{ id: string; name: string }[]>('GET', '/user/tokens/permission_groups')).json.result;
    const read = groups.find((g) => g.name === 'Account Settings Read');
    assert.ok(read, 'the permission group exists');
    const made = await d.api('POST', '/user/tokens', {
      name: tokenName,
      policies: [
        {
          effect: 'allow',
          resources: { [`com.cloudflare.api.account.${d.accountId}`]: '*' },
          permission_groups: [{ id: read.id }],
        },
      ],
    });
    assert.equal(made.status, 200, JSON.stringify(made.json.errors));
    // The admin's token list is in the page's cache.
    await page.goto(`${d.serve.apiBase}/tokens`);
    await page.getByRole('cell', { name: tokenName, exact: true }).waitFor();

    // Sign out and in as someone else, in the same tab: no page load in between (this test runs last).
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.evaluate('window.__noReload = true');
    await watchFor(page, tokenName);
    await createUser(d.serve.dataDir, 'bea@example.com', 'bea-team', 'bea has a long passphrase');
    await page.getByLabel('E-mail').fill('bea@example.com');
    await page.getByLabel('Password').fill('bea has a long passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Dashboard' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    // Bea's own list has arrived (her CLI token): the admin's was never drawn before or after it.
    await page.getByRole('table', { name: 'API tokens' }).waitFor();
    assert.equal(await page.evaluate('window.__noReload'), true, 'the tab was not reloaded');
    assert.equal(await page.evaluate('window.__seen'), false, "the admin's token showed to the next user");
    await page.getByText('bea-team').first().waitFor();
    d.watched.assertClean();
  });
});
