import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessBrowser } from './support/access-login-client.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'team.access.warren.localhost';
const ALICE = 'alice@example.test';

describe('Access gate: an app on a path (app.example.com/admin)', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let port: number;

  before(async () => {
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture(['--smtp-url', smtp.url, '--smtp-from', 'access@warren.test']);
    port = f.serve.httpPort;
    const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;
    await f.api('POST', acc('/organizations'), { name: 'Team', auth_domain: TEAM });
    await f.api('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    // Only the path has an app: nothing covers the host's root, nor /cdn-cgi/access/*.
    const app = await f.api<{ id: string }>('POST', acc('/apps'), { name: 'Admin', domain: 'app.example.com/admin' });
    assert.ok(app.success, JSON.stringify(app));
    await f.api('POST', acc(`/apps/${app.result.id}/policies`), {
      name: 'alice',
      decision: 'allow',
      include: [{ email: { email: ALICE } }],
    });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(
      async () => (await visit(port, 'app.example.com', '/admin/echo')).status === 302,
      10_000,
      'app protected',
    );
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
    await smtp?.close();
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
