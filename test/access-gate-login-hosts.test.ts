import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessBrowser } from './support/access-login-client.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type OidcIdp, startOidcIdp } from './support/oidc-idp.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import type { Proc } from './support/warren-processes.js';

const TEAM = 'team.access.warren.localhost';
const APP_HOST = 'a.w.example.com';
/** Names that end like `*.w.example.com` but are not host names: a URL built from them leads to evil.example. */
const HOSTILE = [
  'evil.example/?.w.example.com',
  'evil.example\\.w.example.com',
  'evil.example#.w.example.com',
  'evil.example?.w.example.com',
  'evil.example .w.example.com',
  'evil.example%2f.w.example.com',
];
/** For a login link: also forms with a port or user information, which a Host header would split off. */
const HOSTILE_LOGIN = [...HOSTILE, 'evil.example:80@x.w.example.com', 'x@evil.example.w.example.com'];

describe('Access gate: a wildcard app logs in only to valid host names it covers', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let idp: OidcIdp;
  let port: number;
  let aud: string;
  let oidcId: string;
  const loginLink = (host: string, extra = '') =>
    `http://${TEAM}:${port}/cdn-cgi/access/login/${encodeURIComponent(host)}?kid=${aud}&redirect_url=%2F${extra}`;

  before(async () => {
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture(['--smtp-url', smtp.url, '--smtp-from', 'access@warren.test']);
    port = f.serve.httpPort;
    idp = await startOidcIdp(`http://${TEAM}:${port}/cdn-cgi/access/callback`, {
      alice: { email: 'alice@example.test' },
    });
    const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: APP_HOST });
    await f.api('POST', `/zones/${f.zoneId}/dns_records`, {
      type: 'CNAME',
      name: '*.w.example.com',
      content: `${f.tunnelId}.tunnel.warren.localhost`,
      proxied: true,
    });
    await f.api('POST', acc('/organizations'), { name: 'Team', auth_domain: TEAM });
    await f.api('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    oidcId = (
      await f.api<{ id: string }>('POST', acc('/identity_providers'), {
        name: 'IdP',
        type: 'oidc',
        config: idp.config(),
      })
    ).result.id;
    const app = await f.api<{ id: string; aud: string }>('POST', acc('/apps'), {
      name: 'W',
      domain: '*.w.example.com',
    });
    assert.ok(app.success, JSON.stringify(app));
    aud = app.result.aud;
    await f.api('POST', acc(`/apps/${app.result.id}/policies`), {
      name: 'example.test',
      decision: 'allow',
      include: [{ email_domain: { domain: 'example.test' } }],
    });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(async () => (await visit(port, APP_HOST, '/echo')).status === 302, 10_000, 'app protected');
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
    await smtp?.close();
    await idp?.close();
  });

  /** The PIN form up to the code: the form fields for the code step, and the code from the mail. */
  async function askCode(b: AccessBrowser, email: string): Promise<Record<string, string>> {
    const link = loginLink(APP_HOST);
    const form = await b.request(link);
    assert.equal(form.status, 200, form.text);
    const before = smtp.mails.length;
    const sent = await b.request(link, {
      form: { step: 'email', email, csrf: AccessBrowser.field(form.text, 'csrf'), kid: aud, redirect_url: '/' },
    });
    assert.equal(sent.status, 200, sent.text);
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(email)), 10_000, 'mail');
    return {
      step: 'code',
      code: /\b(\d{6})\b/.exec(mail.raw)?.[1] as string,
      otp_id: AccessBrowser.field(sent.text, 'otp_id'),
      csrf: AccessBrowser.field(sent.text, 'csrf'),
      kid: aud,
      redirect_url: '/',
    };
  }

  const refused = (r: { status: number; headers: Record<string, unknown> }, what: string): void => {
    assert.equal(r.status, 404, `${what}: ${r.status} ${String(r.headers.location ?? '')}`);
    assert.equal(r.headers.location, undefined, what);
  };

  test('PIN (form, code, single sign-on) and OIDC logins for a hostile host end on a 404, with no token sent anywhere', async () => {
    const b = new AccessBrowser(port);
    const code = await askCode(b, 'alice@example.test');
    for (const host of HOSTILE_LOGIN) {
      refused(await new AccessBrowser(port).request(loginLink(host)), `PIN form for ${host}`);
      refused(await new AccessBrowser(port).request(loginLink(host, `&idp=${oidcId}`)), `OIDC start for ${host}`);
      // A valid code, posted to the hostile host's form: it must not buy a token for that host.
      refused(await b.request(loginLink(host), { form: code }), `PIN code step for ${host}`);
    }
    // The same code still logs in at the app's own host (it was valid all along).
    const done = await b.request(loginLink(APP_HOST), { form: code });
    assert.equal(done.status, 302, done.text);
    assert.ok(String(done.headers.location).startsWith(`http://${APP_HOST}:${port}/cdn-cgi/access/authorized?token=`));
    // With a team session, a login link logs in without a form: the hostile hosts still get nothing.
    for (const host of HOSTILE_LOGIN) refused(await b.request(loginLink(host)), `single sign-on for ${host}`);
    const sso = await b.request(loginLink(APP_HOST));
    assert.equal(sso.status, 302, 'single sign-on works for the real host');
    // A legitimate OIDC start leaves for the identity provider.
    const start = await new AccessBrowser(port).request(loginLink(APP_HOST, `&idp=${oidcId}`));
    assert.equal(start.status, 302);
    assert.ok(String(start.headers.location).startsWith(`${idp.issuer}/auth?`));
  });

  test('get-identity, logout, authorized and the CLI transfer refuse a Host that is not a valid host name', async () => {
    const b = new AccessBrowser(port);
    const code = await askCode(b, 'bob@example.test');
    const back = await b.request(String((await b.request(loginLink(APP_HOST), { form: code })).headers.location));
    assert.equal(back.status, 302);
    const token = b.jar.get(APP_HOST)?.get('CF_Authorization') as string;
    const auth = { 'cf-access-token': token, cookie: `CF_Authorization=${token}` };
    assert.equal((await visit(port, APP_HOST, '/cdn-cgi/access/get-identity', { headers: auth })).status, 200);
    const transfer = 'T'.repeat(43);
    const paths = [
      '/cdn-cgi/access/get-identity',
      '/cdn-cgi/access/logout',
      `/cdn-cgi/access/authorized?token=${token}&redirect_url=%2F`,
      `/cdn-cgi/access/cli?transfer=${transfer}&app_path=%2F`,
      `/cdn-cgi/access/cli/token?transfer=${transfer}&app_path=%2F`,
      '/echo',
    ];
    const before = origin.seen.length;
    for (const host of HOSTILE) {
      for (const path of paths) {
        const r = await visit(port, host, path, { headers: auth });
        assert.equal(r.status, 400, `${host}${path}: ${r.status} ${r.text}`);
        assert.equal(r.headers.location, undefined);
        assert.equal(r.headers['set-cookie'], undefined);
      }
    }
    // Absolute-form carries its authority the same way.
    const abs = await visit(port, APP_HOST, 'http://evil.example\\.w.example.com/cdn-cgi/access/get-identity', {
      headers: auth,
    });
    assert.equal(abs.status, 400);
    assert.equal(origin.seen.length, before, 'no request with a hostile host reached the origin');
  });
});
