import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { visit } from './support/visit.js';
import { type Proc, startShellLine, tempDir } from './support/warren-processes.js';

/** An origin that answers every request with `name`. */
async function namedOrigin(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const HOST = 'app.example.com';

describe('dashboard: create a tunnel, route a public hostname, run its connector from the page, watch it go healthy', () => {
  let d: SignedInDashboard;
  let one: { server: Server; url: string };
  let two: { server: Server; url: string };
  let connector: Proc | undefined;

  before(async () => {
    one = await namedOrigin('origin one');
    two = await namedOrigin('origin two');
    d = await startSignedInDashboard();
    const zone = await d.api('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' });
    assert.equal(zone.status, 200, JSON.stringify(zone.json));
  });
  after(async () => {
    await connector?.stop('SIGKILL');
    await d?.close();
    one?.server.close();
    two?.server.close();
  });

  test('the whole path in Chromium, at 1280 and 390 px, axe clean, no page error', async () => {
    const { page } = d;
    await page.getByRole('link', { name: 'Tunnels' }).click();
    await page.getByRole('button', { name: 'Create a tunnel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a tunnel' });
    await dialog.getByLabel('Name').fill('web');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { level: 1, name: 'web' }).waitFor();
    await page.getByText('Inactive', { exact: true }).first().waitFor();
    const tunnelId = /\/tunnels\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
    assert.ok(tunnelId, page.url());
    // A marker in the page: it must survive until the end (no reload anywhere on the way).
    await page.evaluate('window.__noReload = true');

    // Creating a second tunnel with the same name shows the server's message next to the name field.
    await page.getByRole('link', { name: '← Tunnels' }).click();
    await page.getByRole('button', { name: 'Create a tunnel' }).click();
    await dialog.getByLabel('Name').fill('web');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.field-error').getByText('already exists').waitFor();
    await screenshot(page, 'tunnel-create-error');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { level: 1, name: 'web' }).waitFor();

    // A service the connector cannot use is refused, with the message beside the field.
    await page.getByRole('button', { name: 'Add a public hostname' }).click();
    const add = page.getByRole('dialog', { name: 'Add a public hostname' });
    await add.getByLabel('Hostname').fill(HOST);
    await add.getByLabel('Service').fill('ftp://127.0.0.1:21');
    await add.getByRole('button', { name: 'Save' }).click();
    await add.locator('.field-error').first().waitFor();
    await screenshot(page, 'public-hostname-error');
    // What only the server can tell (RE2 has no lookahead; a service URL takes no path) comes
    // back as two errors of one answer, each under its own field, and nothing is saved.
    await add.getByLabel('Path (optional)').fill('^/(?=a)');
    await add.getByLabel('Service').fill(`${one.url}/api`);
    await add.getByRole('button', { name: 'Save' }).click();
    await add.locator('.field-error').nth(1).waitFor();
    const errorOf = async (label: string) =>
      (await add
        .locator('.field', { has: page.getByLabel(label) })
        .locator('.field-error')
        .textContent()) ?? '';
    assert.match(await errorOf('Path (optional)'), /path "\^\/\(\?=a\)" is not a regular expression RE2 accepts/);
    assert.match(await errorOf('Service'), /service "http:\/\/127\.0\.0\.1:\d+\/api" has a path/);
    const unsaved = await d.api<{ version: number }>(
      'GET',
      `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/configurations`,
    );
    assert.equal(unsaved.json.result.version, 0);
    // The DNS route this save created first is gone again: nothing of a refused save stays.
    const routes = await d.api<unknown[]>('GET', `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/routes`);
    assert.deepEqual(routes.json.result, [], JSON.stringify(routes.json));
    await screenshot(page, 'public-hostname-errors-from-the-api');
    await add.getByLabel('Path (optional)').fill('');
    await add.getByLabel('Service').fill(one.url);
    await add.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: one.url }).waitFor();
    // The DNS route is listed on the page at once.
    await page.getByRole('region', { name: 'DNS routes' }).getByRole('cell', { name: HOST }).waitFor();

    // The token, revealed on click, and the exact command line, copied with the button.
    await page.getByRole('button', { name: 'Reveal token' }).click();
    const line = (await page.getByTestId('run-command').textContent()) ?? '';
    // The launcher runs from any directory (`warren` after npm link, else bin/warren's absolute path).
    assert.match(line, /^(?:warren|\/\S+\/bin\/warren) tunnel run --token [A-Za-z0-9+/=]+$/);
    assert.doesNotMatch(line, /--edge/);
    await page.getByRole('button', { name: 'Copy command' }).click();
    await page.getByText('Copied').waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    assert.equal(copied, line);
    await screenshot(page, 'tunnel-token');

    // Run the copied command verbatim, from another directory with another HOME: the token alone
    // names this edge (on its ephemeral port) and pins its CA.
    const home = tempDir('warren-home-');
    connector = startShellLine(copied, {
      env: { HOME: home, WARREN_DATA_DIR: join(home, 'none') },
      cwd: tempDir('warren-cwd-'),
    });

    // Healthy on screen, without a reload: the page polls.
    await page.getByText('Healthy', { exact: true }).first().waitFor({ timeout: 20_000 });
    await page
      .getByRole('cell', { name: /^[0-9a-f-]{36}$/ })
      .first()
      .waitFor();
    assert.equal(await page.evaluate('window.__noReload'), true, 'the page was not reloaded');
    await screenshot(page, 'tunnel-healthy');

    // The hostname serves the origin through the edge.
    await eventually(
      async () => (await visit(d.serve.httpPort, HOST, '/')).text === 'origin one',
      15_000,
      `${HOST} serves origin one`,
    );

    // Edit the service: re-routed without restarting the connector.
    const connectorsBefore = await d.api<{ id: string }[]>(
      'GET',
      `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/connections`,
    );
    await page.getByRole('button', { name: `Edit ${HOST}` }).click();
    const edit = page.getByRole('dialog', { name: 'Edit public hostname' });
    await edit.getByLabel('Service').fill(two.url);
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: two.url }).waitFor();
    await eventually(
      async () => (await visit(d.serve.httpPort, HOST, '/')).text === 'origin two',
      5_000,
      `${HOST} serves origin two after the edit`,
    );
    const connectorsAfter = await d.api<{ id: string }[]>(
      'GET',
      `/accounts/${d.accountId}/cfd_tunnel/${tunnelId}/connections`,
    );
    assert.deepEqual(
      connectorsAfter.json.result.map((c) => c.id),
      connectorsBefore.json.result.map((c) => c.id),
      'the same connector serves the new rule (no restart)',
    );
    assert.equal(connector.child.exitCode, null);

    // The list: live status, connections per edge, connector version.
    await page.getByRole('link', { name: '← Tunnels' }).click();
    const row = page.getByRole('row', { name: /web/ });
    await row.getByText('Healthy').waitFor();
    assert.match((await row.textContent()) ?? '', /×4/);
    await screenshot(page, 'tunnels-healthy');

    // Rename from the tunnel page.
    await page.getByRole('link', { name: 'web' }).click();
    await page.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename tunnel' });
    await rename.getByLabel('Name').fill('web-renamed');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'web-renamed' }).waitFor();

    // Sessions page, then sign out.
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('This session', { exact: true }).waitFor();
    await screenshot(page, 'sessions');
    assert.equal(await page.evaluate('window.__noReload'), true);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
    d.watched.assertClean();
  });

  test('stopping the connector turns the tunnel down on screen; delete after confirmation', async () => {
    const { page } = d;
    await page.getByLabel('E-mail').fill(d.email);
    await page.getByLabel('Password').fill(d.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'web-renamed' }).click();
    await page.getByText('Healthy', { exact: true }).first().waitFor();
    await connector?.stop('SIGTERM');
    connector = undefined;
    await page.getByText('Down', { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete web-renamed' });
    await confirm.getByRole('button', { name: 'Delete tunnel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tunnels' }).waitFor();
    await page.getByText('No tunnel yet').waitFor();
    d.watched.assertClean();
  });
});
