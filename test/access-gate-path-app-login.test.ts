import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AccessGateFixture, type SmtpCatcher, startAccessGateFixture } from './support/access-gate-fixture.js';
import { AccessBrowser } from './support/access-login-client.js';
import { eventually } from './support/eventually.js';
import type { TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';

const TEAM = 'team.access.warren.localhost';
const ALICE = 'alice@example.test';

describe('Access gate: an app on a path (app.example.com/admin)', { timeout: 120_000 }, () => {
  let g: AccessGateFixture | undefined;
  let origin: TestOrigin;
  let smtp: SmtpCatcher;
  let port: number;

  before(async () => {
    g = await startAccessGateFixture({
      team: TEAM,
      allow: ALICE,
      // Only the path has an app: nothing covers the host's root, nor /cdn-cgi/access/*.
      domain: 'app.example.com/admin',
      probe: '/admin/echo',
    });
    ({ origin, smtp, port } = g);
  });
  after(async () => {
    await g?.stop();
  });

  test('completes a PIN login end to end; /cdn-cgi/access/* never reaches the origin', async () => {
    const b = new AccessBrowser(port);
    const app = `http://app.example.com:${port}`;
    assert.equal((await b.request(`${app}/echo`)).status, 200, 'the root is not protected');
    const first = await b.request(`${app}/admin/echo?x=1`);
    assert.equal(first.status, 302);
    const login = String(first.headers.location);
    const form = await b.request(login);
    assert.equal(form.status, 200, form.text);
    const before = smtp.mails.length;
    const sent = await b.request(login, {
      form: {
        step: 'email',
        email: ALICE,
        csrf: AccessBrowser.field(form.text, 'csrf'),
        kid: AccessBrowser.field(form.text, 'kid'),
        redirect_url: AccessBrowser.field(form.text, 'redirect_url'),
      },
    });
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(ALICE)), 10_000, 'mail');
    const done = await b.request(login, {
      form: {
        step: 'code',
        code: /\b(\d{6})\b/.exec(mail.raw)?.[1] as string,
        otp_id: AccessBrowser.field(sent.text, 'otp_id'),
        csrf: AccessBrowser.field(sent.text, 'csrf'),
        kid: AccessBrowser.field(sent.text, 'kid'),
        redirect_url: AccessBrowser.field(sent.text, 'redirect_url'),
      },
    });
    assert.equal(done.status, 302, done.text);
    const authorized = String(done.headers.location);
    assert.ok(authorized.startsWith(`${app}/cdn-cgi/access/authorized?token=`), authorized);
    // The way back lies outside /admin: the edge answers it, sets the cookie and returns to the page.
    const back = await b.request(authorized);
    assert.equal(back.status, 302, back.text);
    assert.equal(back.headers.location, '/admin/echo?x=1');
    const cookie = b.jar.get('app.example.com')?.get('CF_Authorization');
    assert.ok(cookie !== undefined, 'the app cookie is set');
    const page = await b.request(`${app}/admin/echo?x=1`);
    assert.equal(page.status, 200, page.text);
    const seen = origin.seen.filter((s) => s.url === '/admin/echo?x=1').at(-1);
    assert.equal(seen?.headers['cf-access-authenticated-user-email'], ALICE);
    // get-identity and logout are the edge's too.
    const identity = await b.request(`${app}/cdn-cgi/access/get-identity`);
    assert.equal(identity.status, 200, identity.text);
    assert.equal((JSON.parse(identity.text) as { email: string }).email, ALICE);
    assert.equal((await b.request(`${app}/cdn-cgi/access/nothing-here`)).status, 404);
    const out = await b.request(`${app}/cdn-cgi/access/logout`);
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, `http://${TEAM}:${port}/cdn-cgi/access/logout`);
    assert.equal(b.jar.get('app.example.com')?.get('CF_Authorization'), undefined, 'the app cookie is cleared');
    assert.equal((await b.request(`${app}/admin/echo`)).status, 302, 'protected again');
    // Nothing under /cdn-cgi/access reached the origin, however it was spelled.
    for (const p of [
      '/cdn-cgi/access/authorized?token=x',
      '/CDN-CGI/Access/logout',
      '/x/..%2fcdn-cgi/access/get-identity',
    ]) {
      assert.notEqual((await visit(port, 'app.example.com', p)).status, 200, p);
    }
    const leaked = origin.seen.filter((s) => /cdn-cgi/i.test(decodeURIComponent(s.url)));
    assert.deepEqual(
      leaked.map((s) => s.url),
      [],
      'the origin saw /cdn-cgi/access requests (the token lands in its log)',
    );
  });
});
