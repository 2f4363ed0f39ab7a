import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  checkAccessibility,
  launchChromium,
  type SignedInDashboard,
  screenshot,
  startSignedInDashboard,
  WatchedContext,
} from './support/dashboard-browser.js';

describe('dashboard sign-in in Chromium', () => {
  let d: SignedInDashboard;

  before(async () => {
    d = await startSignedInDashboard();
  });
  after(async () => {
    await d?.close();
  });

  test('signing in sets an HttpOnly SameSite=Lax session cookie and shows the tunnels page', async () => {
    const cookies = await d.watched.context.cookies(d.serve.apiBase);
    const session = cookies.find((c) => c.name === 'warren_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.secure, false, 'plain HTTP on loopback: not Secure');
    await d.page.getByRole('heading', { level: 1, name: 'Tunnels' }).waitFor();
    assert.equal(new URL(d.page.url()).pathname, '/tunnels');
    await screenshot(d.page, 'tunnels-empty');
    d.watched.assertClean();
  });

  test('a wrong password is refused on the form, the page stays accessible, and a reload keeps a signed-in session', async () => {
    const other = await WatchedContext.open(d.browser);
    try {
      const page = await other.newPage();
      await page.goto(d.serve.apiBase);
      await page.getByLabel('E-mail').fill(d.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('wrong e-mail or password').waitFor();
      await screenshot(page, 'sign-in-error');
      other.assertClean();
    } finally {
      await other.close();
    }
    await d.page.reload();
    await d.page.getByRole('heading', { level: 1, name: 'Tunnels' }).waitFor();
    await checkAccessibility(d.page);
  });

  test('signing out ends the session on the server: the old cookie no longer works', async () => {
    const before = (await d.watched.context.cookies(d.serve.apiBase)).find((c) => c.name === 'warren_session');
    assert.ok(before);
    await d.page.getByRole('button', { name: 'Sign out' }).click();
    await d.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    const res = await fetch(`${d.serve.apiBase}/client/v4/user/sessions/current`, {
      headers: { cookie: `warren_session=${before.value}` },
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { errors: { warren_code: string }[] };
    assert.equal(body.errors[0]?.warren_code, 'WARREN_SESSION_EXPIRED');
    d.watched.assertClean();
  });
});

describe('dashboard before any sign-in', () => {
  test('launchChromium starts Debian Chromium', async () => {
    const b = await launchChromium();
    try {
      assert.match(b.version(), /^\d+\./);
    } finally {
      await b.close();
    }
  });
});
