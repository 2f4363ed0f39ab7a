import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { apiClient } from './support/api-client.js';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

const PASSWORD = 'correct horse battery staple';

describe('warren login in a browser', { skip: chromiumSkip }, () => {
  let serve: ServeHandle;
  let browser: Browser;
  const procs: Proc[] = [];
  const api = apiClient(() => serve.apiBase).call<{ id: string }[] & { id: string }>;

  before(async () => {
    serve = await startServe({
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN, WARREN_ADMIN_PASSWORD: PASSWORD },
    });
    procs.push(serve);
    const account = (await api('GET', '/accounts')).json.result[0]?.id as string;
    await api('POST', '/zones', { account: { id: account }, name: 'alpha.test' });
    await api('POST', '/zones', { account: { id: account }, name: 'example.com' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const p of procs.reverse()) await p.stop('SIGKILL');
  });

  test('Chromium signs in, picks the zone and authorizes; the waiting CLI writes cert.pem; the link cannot be used twice', async () => {
    const home = tempDir('warren-home-');
    const cli = startCli(['login', '--api', serve.apiBase, '--no-browser'], { env: { HOME: home }, cwd: home });
    procs.push(cli);
    const [url] = await cli.waitFor(/http:\/\/\S+\/argotunnel\?callback=[A-Za-z0-9_-]+/);
    await cli.waitFor(/Waiting for the login to be authorized/);
    assert.doesNotMatch(cli.stdout(), /browser doesn't open/, '--no-browser opens none');
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('input[name=email]', ADMIN_EMAIL);
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    assert.match((await page.textContent('[role=alert]')) ?? '', /Wrong e-mail or password/);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.check('label:has-text("example.com") input[type=radio]');
    await page.click('button:has-text("Authorize")');
    assert.match((await page.textContent('[role=status]')) ?? '', /authorized for example\.com/);
    assert.equal(await cli.exited, 0, cli.stderr());
    const pem = readFileSync(join(home, '.warren', 'cert.pem'), 'utf8');
    const cert = new X509Certificate(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? '',
    );
    assert.equal(cert.subjectAltName, 'DNS:example.com, DNS:*.example.com');
    assert.match(pem, /-----BEGIN ARGO TUNNEL TOKEN-----/);

    // The same key again: the bundle was handed out once.
    const key = new URL(url).searchParams.get('callback') as string;
    const again = await fetch(`${serve.apiBase}/client/v4/login/transfer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, wait_ms: 0 }),
    });
    assert.equal(again.status, 410);
    const body = (await again.json()) as { errors: { warren_code: string; message: string }[] };
    assert.equal(body.errors[0]?.warren_code, 'WARREN_LOGIN_USED');
    await page.goto(url);
    assert.match((await page.textContent('body')) ?? '', /already used|run `?warren login`? again/i);
    await page.close();
  });
});
