import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccessVerifier } from '../src/verify/index.js';
import { type AccessGateFixture, type SmtpCatcher, startAccessGateFixture } from './support/access-gate-fixture.js';
import { AccessBrowser } from './support/access-login-client.js';
import { eventually } from './support/eventually.js';
import type { NamedTunnelFixture } from './support/named-tunnel-fixture.js';
import type { TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';

const TEAM = 'team.access.warren.localhost';
const ALICE = 'alice@example.test';

describe('Access gate at the edge: one-time PIN login end to end', { timeout: 120_000 }, () => {
  let g: AccessGateFixture | undefined;
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let smtp: SmtpCatcher;
  let aud: string;
  let appId: string;
  let port: number;
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;

  before(async () => {
    g = await startAccessGateFixture({
      team: TEAM,
      allow: ALICE,
      appFields: { type: 'self_hosted' },
      setup: async (f) => {
        for (const h of ['open.example.com', 'svc.example.com']) {
          await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: h });
        }
      },
    });
    ({ f, origin, smtp, port } = g);
    aud = g.app.aud;
    appId = g.app.id;
  });
  after(async () => {
    await g?.stop();
  });

  /** Protected page → team login → code by mail → back on the app with its cookie. */
  async function logIn(b: AccessBrowser, email: string, path = '/echo?x=1'): Promise<string> {
    const first = await b.request(`http://app.example.com:${port}${path}`);
    assert.equal(first.status, 302);
    const login = String(first.headers.location);
    const form = await b.request(login);
    assert.equal(form.status, 200, form.text);
    const before = smtp.mails.length;
    const sent = await b.request(login, {
      form: {
        step: 'email',
        email,
        csrf: AccessBrowser.field(form.text, 'csrf'),
        kid: AccessBrowser.field(form.text, 'kid'),
        redirect_url: AccessBrowser.field(form.text, 'redirect_url'),
      },
    });
    assert.equal(sent.status, 200, sent.text);
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(email)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    const done = await b.request(login, {
      form: {
        step: 'code',
        code,
        otp_id: AccessBrowser.field(sent.text, 'otp_id'),
        csrf: AccessBrowser.field(sent.text, 'csrf'),
        kid: AccessBrowser.field(sent.text, 'kid'),
        redirect_url: AccessBrowser.field(sent.text, 'redirect_url'),
      },
    });
    assert.equal(done.status, 302, done.text);
    const authorized = String(done.headers.location);
    assert.ok(authorized.startsWith(`http://app.example.com:${port}/cdn-cgi/access/authorized?token=`), authorized);
    const back = await b.request(authorized);
    assert.equal(back.status, 302);
    return String(back.headers.location);
  }

  test('visitor-supplied Cf-Access headers are dropped on unprotected and protected hosts', async () => {
    const forged = {
      'cf-access-jwt-assertion': 'forged.jwt.value',
      'cf-access-authenticated-user-email': 'x@evil.test',
    };
    const r = await visit(port, 'open.example.com', '/echo', { headers: forged });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-jwt-assertion'], undefined);
    assert.equal(seen.headers['cf-access-authenticated-user-email'], undefined);
  });

  test('an anonymous visitor of a protected host is sent to the team login; XHR gets 401', async () => {
    const r = await visit(port, `app.example.com:${port}`, '/echo?x=1');
    assert.equal(r.status, 302);
    assert.equal(
      r.headers.location,
      `http://${TEAM}:${port}/cdn-cgi/access/login/app.example.com?kid=${aud}&redirect_url=%2Fecho%3Fx%3D1`,
    );
    const xhr = await visit(port, 'app.example.com', '/echo', { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    assert.equal(xhr.status, 401);
    assert.equal(
      origin.seen.filter((s) => s.headers.host === 'app.example.com').length,
      0,
      'nothing reached the origin',
    );
  });

  test('one-time PIN login reaches the app with a cookie and a JWT that warren/verify accepts; logout ends it', async () => {
    const b = new AccessBrowser(port);
    const first = await b.request(`http://app.example.com:${port}/echo?x=1`);
    const form = await b.request(String(first.headers.location));
    assert.match(form.text, /<label for="email">/);
    assert.match(form.text, /type="email"/);
    assert.match(form.text, /name="csrf" value="[A-Za-z0-9_-]{32}"/);
    const back = await logIn(b, ALICE);
    assert.equal(back, '/echo?x=1');
    const cookie = b.jar.get('app.example.com')?.get('CF_Authorization');
    assert.ok(cookie !== undefined, 'the app cookie is set');
    const page = await b.request(`http://app.example.com:${port}${back}`);
    assert.equal(page.status, 200, page.text);
    const seen = JSON.parse(page.text) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/echo?x=1');
    assert.equal(seen.headers['cf-access-authenticated-user-email'], ALICE);
    const jwt = seen.headers['cf-access-jwt-assertion'] as string;
    assert.equal(jwt, cookie);
    const verifier = createAccessVerifier({
      teamDomain: TEAM,
      audience: aud,
      jwksUrl: `${f.serve.apiBase}/client/v4/accounts/${f.accountId}/access/certs`,
    });
    const claims = await verifier.verify(jwt);
    assert.equal(claims.email, ALICE);
    assert.deepEqual(claims.aud, [aud]);
    // The team domain serves the same JWKS at the address verifiers use by default.
    const certs = JSON.parse((await visit(port, TEAM, '/cdn-cgi/access/certs')).text) as { keys: { kid: string }[] };
    assert.ok(certs.keys.length >= 1);
    const identity = JSON.parse((await b.request(`http://app.example.com:${port}/cdn-cgi/access/get-identity`)).text);
    assert.equal(identity.email, ALICE);
    assert.equal(identity.account_id, f.accountId);
    assert.equal(identity.idp.type, 'onetimepin');
    assert.match(identity.user_uuid, /^[0-9a-f-]{36}$/);
    // The audit log has the login.
    const logs = await f.api<{ action: { type: string; result: boolean }; actor: { email: string } }[]>(
      'GET',
      `/accounts/${f.accountId}/audit_logs?action.type=login`,
    );
    assert.ok(logs.result.some((e) => e.action.type === 'login' && e.action.result && e.actor.email === ALICE));
    // The team domain's root lists the apps this user may open (single sign-on: no new code).
    const launcher = await b.request(`http://${TEAM}:${port}/`);
    assert.match(launcher.text, new RegExp(`href="http://app\\.example\\.com:${port}/">.*<span>App</span>`));
    assert.doesNotMatch((await visit(port, TEAM, '/')).text, /app\.example\.com/, 'nothing listed without a session');
    // Single sign-on: without the app cookie, the team session logs straight back in (no code).
    b.jar.get('app.example.com')?.delete('CF_Authorization');
    const anon = await b.request(`http://app.example.com:${port}/`);
    const sso = await b.request(String(anon.headers.location));
    assert.equal(sso.status, 302);
    assert.match(String(sso.headers.location), /\/cdn-cgi\/access\/authorized\?token=/);
    await b.request(String(sso.headers.location));
    assert.equal((await b.request(`http://app.example.com:${port}/echo`)).status, 200);
    const current = b.jar.get('app.example.com')?.get('CF_Authorization') as string;
    // Logout: the app cookie goes, then the team session.
    const out = await b.request(`http://app.example.com:${port}/cdn-cgi/access/logout`);
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, `http://${TEAM}:${port}/cdn-cgi/access/logout`);
    await b.request(String(out.headers.location));
    assert.equal(b.jar.get(TEAM)?.get('CF_Authorization'), undefined);
    const again = await b.request(`http://app.example.com:${port}/echo`);
    assert.equal(again.status, 302, 'protected again');
    const replay = await visit(port, 'app.example.com', '/echo', { headers: { 'cf-access-token': current } });
    assert.equal(replay.status, 302, 'the logged-out token is refused on this edge');
  });

  test('cf-access-token is accepted in place of the cookie; revoke_tokens ends the session at once', async () => {
    const b = new AccessBrowser(port);
    await logIn(b, ALICE, '/');
    const jwt = b.jar.get('app.example.com')?.get('CF_Authorization') as string;
    const ok = await visit(port, 'app.example.com', '/echo', { headers: { 'cf-access-token': jwt } });
    assert.equal(ok.status, 200);
    const revoked = await f.api('POST', acc(`/apps/${appId}/revoke_tokens`));
    assert.ok(revoked.success);
    await eventually(
      async () =>
        (await visit(port, 'app.example.com', '/echo', { headers: { 'cf-access-token': jwt } })).status === 302,
      2_000,
      'revoked session refused',
    );
  });

  test('revoke_tokens covers a token issued in the same second as an earlier revocation, and survives a later PUT of the app', async () => {
    const b = new AccessBrowser(port);
    await logIn(b, ALICE, '/');
    const jwt = b.jar.get('app.example.com')?.get('CF_Authorization') as string;
    assert.equal(
      (await visit(port, 'app.example.com', '/echo', { headers: { cookie: `CF_Authorization=${jwt}` } })).status,
      200,
    );
    // This token was likely issued within a second of the previous test's revocation, so its iat
    // is the next second's: a revocation now must still cover it (not only once that second passed).
    assert.ok((await f.api('POST', acc(`/apps/${appId}/revoke_tokens`))).success);
    await eventually(
      async () =>
        (await visit(port, 'app.example.com', '/echo', { headers: { cookie: `CF_Authorization=${jwt}` } })).status ===
        302,
      2_000,
      'revoked',
    );
    // A PUT rebuilds the app's settings (a body cannot name the revocation time: unknown field).
    const put = await f.api('PUT', acc(`/apps/${appId}`), {
      name: 'App',
      domain: 'app.example.com',
      type: 'self_hosted',
    });
    assert.ok(put.success, JSON.stringify(put));
    // A later change on another host: once the gate shows it, it has loaded the PUT too.
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'probe.example.com',
    });
    await f.api('POST', acc('/apps'), { name: 'Probe', domain: 'probe.example.com' });
    await eventually(async () => (await visit(port, 'probe.example.com', '/')).status === 302, 10_000, 'gate reloaded');
    const forms: Record<string, string>[] = [{ cookie: `CF_Authorization=${jwt}` }, { 'cf-access-token': jwt }];
    for (const headers of forms) {
      assert.equal((await visit(port, 'app.example.com', '/echo', { headers })).status, 302, 'still revoked');
    }
  });

  test('redirect_url may only lead back to the app host (no open redirect)', async () => {
    const b = new AccessBrowser(port);
    for (const bad of ['https://evil.test/', '//evil.test/x', '/\\evil.test']) {
      const r = await b.request(
        `http://${TEAM}:${port}/cdn-cgi/access/login/app.example.com?kid=${aud}&redirect_url=${encodeURIComponent(bad)}`,
      );
      assert.equal(r.status, 400, bad);
    }
    const back = await logIn(b, ALICE, '/');
    assert.equal(back, '/');
    const jwt = b.jar.get('app.example.com')?.get('CF_Authorization') as string;
    const r = await b.request(
      `http://app.example.com:${port}/cdn-cgi/access/authorized?token=${jwt}&redirect_url=${encodeURIComponent('//evil.test/')}`,
    );
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/');
    const bogus = await b.request(
      `http://app.example.com:${port}/cdn-cgi/access/authorized?token=a.b.c&redirect_url=/`,
    );
    assert.equal(bogus.status, 403);
  });

  test('the PIN page reads the same for an allowed and a disallowed address; only the allowed one gets mail', async () => {
    const pages: string[] = [];
    const before = smtp.mails.length;
    for (const email of ['mallory@example.test', ALICE]) {
      const b = new AccessBrowser(port);
      const first = await b.request(`http://app.example.com:${port}/`);
      const login = String(first.headers.location);
      const form = await b.request(login);
      const sent = await b.request(login, {
        form: {
          step: 'email',
          email,
          csrf: AccessBrowser.field(form.text, 'csrf'),
          kid: aud,
          redirect_url: '/',
        },
      });
      assert.equal(sent.status, 200);
      pages.push(
        sent.text
          .split(email)
          .join('EMAIL')
          .replace(/name="csrf" value="[^"]*"/g, '')
          .replace(/name="otp_id" value="[^"]*"/g, ''),
      );
    }
    assert.equal(pages[0], pages[1]);
    await eventually(() => smtp.mails.slice(before).some((m) => m.to.includes(ALICE)), 10_000, 'mail to alice');
    assert.equal(smtp.mails.slice(before).filter((m) => m.to.includes('mallory@example.test')).length, 0);
  });

  test('five wrong codes void the code: the right one no longer logs in', async () => {
    const email = ALICE;
    const b = new AccessBrowser(port);
    const login = `http://${TEAM}:${port}/cdn-cgi/access/login/app.example.com?kid=${aud}&redirect_url=%2F`;
    const form = await b.request(login);
    const csrf = AccessBrowser.field(form.text, 'csrf');
    const before = smtp.mails.length;
    const sent = await b.request(login, { form: { step: 'email', email, csrf, kid: aud, redirect_url: '/' } });
    const otpId = AccessBrowser.field(sent.text, 'otp_id');
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(email)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    const wrong = code === '000000' ? '111111' : '000000';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await b.request(login, {
        form: { step: 'code', code: wrong, otp_id: otpId, csrf, kid: aud, redirect_url: '/' },
      });
      statuses.push(r.status);
    }
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      String(statuses),
    );
    const right = await b.request(login, {
      form: { step: 'code', code, otp_id: otpId, csrf, kid: aud, redirect_url: '/' },
    });
    assert.notEqual(right.status, 302, 'a voided code does not log in');
    const logs = await f.api<{ action: { type: string; result: boolean }; actor: { email: string; ip: string } }[]>(
      'GET',
      `/accounts/${f.accountId}/audit_logs?action.type=login`,
    );
    assert.ok(
      logs.result.some((e) => !e.action.result && e.actor.email === email && e.actor.ip === '127.0.0.1'),
      'the denied login is audited',
    );
  });

  test('a form without its CSRF cookie is refused', async () => {
    const login = `http://${TEAM}:${port}/cdn-cgi/access/login/app.example.com?kid=${aud}&redirect_url=%2F`;
    const b = new AccessBrowser(port);
    const r = await b.request(login, {
      form: { step: 'email', email: ALICE, csrf: 'A'.repeat(32), kid: aud, redirect_url: '/' },
    });
    assert.equal(r.status, 403);
    assert.match(r.text, /The form expired/, 'the page says why and what to do');
    assert.doesNotMatch(r.text, /code was sent|check your e-?mail/i, 'no PIN was sent');
  });
});
