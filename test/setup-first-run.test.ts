import assert from 'node:assert/strict';

import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { ControlPlane, createApiServer, issueSetupLink, SETUP_LINK_TTL_MS } from '../src/control/index.js';
import { hashToken, Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { DIALECTS, type Envelope, quietLogger } from './support/control-harness.js';
import { type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

const PASSWORD = 'a long enough passphrase';
/** No WARREN_ADMIN_* from the environment of whoever runs the tests: serve must start without an admin. */
const NO_ADMIN = { WARREN_ADMIN_EMAIL: '', WARREN_ADMIN_TOKEN: '', WARREN_ADMIN_PASSWORD: '' };
const SETUP_LINE = /setup\s+(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]{43})/;

function form(fields: Record<string, string>): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** The first API token on the setup answer page. */
function tokenOf(html: string): string {
  return /<code class="secret" id="api-token">([A-Za-z0-9_-]+)<\/code>/.exec(html)?.[1] ?? '';
}

for (const dialect of DIALECTS) {
  describe(`first-run setup link (${dialect.name}, in-process)`, { skip: dialect.skip }, () => {
    const clock = new ManualClock();
    let store: Store;
    let control: ControlPlane;
    let app: FastifyInstance;
    let drop: () => Promise<void>;
    const get = (token: string) => app.inject({ method: 'GET', url: `/setup?token=${encodeURIComponent(token)}` });
    const post = (fields: Record<string, string>) => {
      const f = form(fields);
      return app.inject({ method: 'POST', url: '/setup', headers: f.headers, payload: f.body });
    };

    before(async () => {
      const db = await dialect.fresh();
      drop = db.drop;
      store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
      control = await ControlPlane.start({
        store,
        domain: 'warren.localhost',
        edgeName: 'test-edge',
        logger: quietLogger,
        classicCleanupTimer: false,
        zoneVerificationTimer: false,
      });
      app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await control?.close();
      await store?.close();
      await drop?.();
    });

    test('the API port answers / with a page that points to the setup link while warren has no user', async () => {
      const home = await app.inject({ method: 'GET', url: '/' });
      assert.equal(home.statusCode, 200);
      assert.match(String(home.headers['content-type']), /^text\/html/);
      assert.match(home.body, /<h1>Set up warren<\/h1>/);
      assert.match(home.body, /<a href="\/setup">\/setup<\/a> link that <code>warren serve<\/code> printed/);
      assert.match(home.body, /\/client\/v4\/openapi\.json/);
    });

    test('a link expires, a newer link replaces it, only its hash is stored, and bad input keeps it usable', async () => {
      const first = await issueSetupLink(store);
      const page = await get(first.token);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<form method="post" action="\/setup">/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      const rows = await Store.databaseForTests(store).selectFrom('setup_links').selectAll().execute();
      assert.deepEqual(
        rows.map((r) => r.token_hash),
        [hashToken(first.token)],
      );
      assert.ok(!JSON.stringify(rows).includes(first.token), 'the token itself is not stored');

      clock.advance(SETUP_LINK_TTL_MS);
      const expired = await get(first.token);
      assert.equal(expired.statusCode, 410);
      assert.match(expired.body, /expired on .*restart `warren serve`/);

      const second = await issueSetupLink(store);
      const replaced = await get(first.token);
      assert.equal(replaced.statusCode, 410);
      assert.match(replaced.body, /not known/);
      assert.equal((await get('x')).statusCode, 410);

      const weak = await post({ token: second.token, email: 'root@example.test', password: 'short', account: 'ops' });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.body, /role="alert">the password must be at least 10 characters/);
      assert.match(weak.body, /value="root@example.test"/, 'the form keeps what was typed');
      assert.ok(!weak.body.includes('short"'), 'the password is not echoed');
      const bad = await post({ token: second.token, email: 'not-an-address', password: PASSWORD, account: 'ops' });
      assert.equal(bad.statusCode, 400);
      assert.equal((await store.identity.countUsers()) === 0, true);
      assert.equal((await get(second.token)).statusCode, 200, 'still usable after bad input');
    });

    test('two submissions of one link race: exactly one creates the administrator; then every link is dead', async () => {
      const link = await issueSetupLink(store);
      const [a, b] = await Promise.all([
        post({ token: link.token, email: 'first@example.test', password: PASSWORD, account: 'ops' }),
        post({ token: link.token, email: 'second@example.test', password: PASSWORD, account: 'ops' }),
      ]);
      assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 410]);
      const winner = a.statusCode === 200 ? a : b;
      assert.equal(await store.identity.countUsers(), 1);
      const token = tokenOf(winner.body);
      assert.equal(token.length, 40);
      const me = await app.inject({
        method: 'GET',
        url: '/client/v4/accounts',
        headers: { authorization: `Bearer ${token}` },
      });
      const accounts = (me.json() as Envelope<{ name: string }[]>).result;
      assert.deepEqual(
        accounts.map((x) => x.name),
        ['ops'],
      );
      const audit = await store.audit.entries(
        (await store.identity.findAccountByName('ops'))?.id as string,
        { direction: 'asc' },
        { page: 1, perPage: 10 },
      );
      assert.deepEqual(
        audit.rows.map((r) => `${r.action_type} ${r.interface}`),
        ['account_create setup', 'member_add setup', 'token_create setup'],
      );
      // A user exists now: even a fresh link no longer opens the page.
      const late = await issueSetupLink(store);
      const refused = await get(late.token);
      assert.equal(refused.statusCode, 410);
      assert.match(refused.body, /already has an administrator/);
      // "sign in instead" leads somewhere: the home page says how.
      assert.match(refused.body, /<a href="\/">How to sign in to warren<\/a>/);
      // ... to the dashboard, whose sign-in form is the first thing it shows.
      const home = await app.inject({ method: 'GET', url: '/' });
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /<div id="root"><\/div>/);
      assert.equal(home.headers['cache-control'], 'no-store');
      assert.doesNotMatch(home.body, /setup\?token=[A-Za-z0-9]/);
    });
  });
}

describe('warren serve on a fresh data dir prints a one-time setup link', () => {
  let serve: ServeHandle;
  let browser: Browser | undefined;
  const dataDir = tempDir('warren-setup-');

  before(async () => {
    serve = await startServe({ dataDir, env: NO_ADMIN });
  });
  after(async () => {
    await browser?.close();
    await serve?.stop('SIGKILL');
  });

  test('over plain HTTP: the link opens the form, creates the super administrator once, and its token works', async () => {
    const [, link] = await serve.waitFor(SETUP_LINE);
    // The banner names the dashboard the link leads to.
    await serve.waitFor(new RegExp(`^  dashboard +http://127\\.0\\.0\\.1:${serve.apiPort}/$`, 'm'));
    const url = link as string;
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await page.text(), /name="password"/);
    const token = new URL(url).searchParams.get('token') as string;
    const f = form({ token, email: 'Owner@Example.test', password: PASSWORD, account: 'default' });
    const made = await fetch(new URL('/setup', url), { method: 'POST', headers: f.headers, body: f.body });
    assert.equal(made.status, 200);
    const html = await made.text();
    assert.match(html, /owner@example\.test is the super administrator of the account <strong>default<\/strong>/);
    const apiToken = tokenOf(html);
    const user = await fetch(`${serve.apiBase}/client/v4/user`, { headers: { authorization: `Bearer ${apiToken}` } });
    assert.equal(((await user.json()) as Envelope<{ email: string }>).result.email, 'owner@example.test');
    const again = await fetch(new URL('/setup', url), { method: 'POST', headers: f.headers, body: f.body });
    assert.equal(again.status, 410);
    assert.ok(!serve.stderr().includes(token), 'the setup token is never logged');
    assert.ok(!serve.stderr().includes(apiToken), 'the API token is never logged');

    // Restarted on the same data dir: an administrator exists, so there is no link.
    await serve.stop();
    serve = await startServe({ dataDir, env: NO_ADMIN });
    await serve.waitFor(/admin\s+\(existing users\)/);
    assert.doesNotMatch(serve.stdout(), /setup\?token=/);
  });

  test('in Chromium: a too-short password is refused on the page, then the account is created and the token shown once', {
    skip: chromiumSkip,
  }, async () => {
    const fresh = await startServe({ env: NO_ADMIN });
    try {
      const [, link] = await fresh.waitFor(SETUP_LINE);
      browser = await launchChromium();
      const tab = await browser.newPage();
      await tab.goto(link as string);
      await tab.fill('input[name=email]', 'browser@example.test');
      // The browser's own minlength check would stop a short password before the server sees it;
      // remove it to prove the server refuses it too.
      await tab.locator('input[name=password]').evaluate((el) => el.removeAttribute('minlength'));
      await tab.fill('input[name=password]', 'short');
      await tab.fill('input[name=account]', 'browser team');
      await tab.click('button[type=submit]');
      assert.match((await tab.textContent('[role=alert]')) ?? '', /at least 10 characters/);
      await tab.fill('input[name=password]', PASSWORD);
      await tab.click('button[type=submit]');
      assert.match((await tab.textContent('[role=status]')) ?? '', /browser@example\.test is the super administrator/);
      const apiToken = ((await tab.textContent('#api-token')) ?? '').trim();
      const accounts = await fetch(`${fresh.apiBase}/client/v4/accounts`, {
        headers: { authorization: `Bearer ${apiToken}` },
      });
      assert.deepEqual(
        ((await accounts.json()) as Envelope<{ name: string }[]>).result.map((a) => a.name),
        ['browser team'],
      );
      // Back to the link: it is spent.
      const res = await tab.goto(link as string);
      assert.equal(res?.status(), 410);
      assert.match((await tab.textContent('[role=alert]')) ?? '', /already has an administrator/);
    } finally {
      await fresh.stop('SIGKILL');
    }
  });
});

test('warren serve refuses a WARREN_ADMIN_PASSWORD that breaks the password rules, without echoing it, and its help names them', {
  timeout: 30_000,
}, async () => {
  const weak = 'tiny-pw';
  const serve = startCli(
    ['serve', '--data-dir', tempDir('warren-weak-'), '--http-port', '0', '--tunnel-port', '0', '--api-port', '0'],
    {
      env: { WARREN_ADMIN_EMAIL: 'ops@example.test', WARREN_ADMIN_TOKEN: 'x'.repeat(40), WARREN_ADMIN_PASSWORD: weak },
    },
  );
  const code = await serve.exited;
  assert.equal(code, 1, serve.stderr());
  assert.match(serve.stderr(), /WARREN_ADMIN_PASSWORD: the password must be at least 10 characters long/);
  assert.ok(!serve.stderr().includes(weak) && !serve.stdout().includes(weak), 'the password is not echoed');

  const help = startCli(['serve', '--help']);
  assert.equal(await help.exited, 0);
  assert.match(help.stdout(), /WARREN_ADMIN_EMAIL, WARREN_ADMIN_TOKEN/);
  assert.match(help.stdout(), /WARREN_ADMIN_PASSWORD .*10 to 1024 characters/);
});
