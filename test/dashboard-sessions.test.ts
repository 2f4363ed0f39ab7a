import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SESSION_IDLE_MS, SESSION_LIFETIME_MS } from '../src/control/identity/dashboard-session.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, type Envelope, startControl } from './support/control-harness.js';

const PASSWORD = 'correct horse battery';
const HOST = 'dash.test:8081';
const ORIGIN = `http://${HOST}`;

interface Answer<R = unknown> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  json: Envelope<R>;
}

interface SessionResult {
  id: string;
  csrf_token: string;
  current: boolean;
  user: { email: string };
}

for (const dialect of DIALECTS) {
  describe(`dashboard sessions and CSRF (${dialect.name})`, { skip: dialect.skip }, () => {
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    let h: ControlHarness;

    /** A browser-like request to the API on HOST: the cookie, and the given extra headers. */
    const send = async <R = unknown>(
      method: string,
      path: string,
      opts: { cookie?: string; headers?: Record<string, string | undefined>; body?: unknown; raw?: string } = {},
    ): Promise<Answer<R>> => {
      const headers: Record<string, string> = { host: HOST };
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
      if (opts.cookie !== undefined) headers.cookie = `warren_session=${opts.cookie}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await h.app.inject({
        method: method as 'GET',
        url: `/client/v4${path}`,
        headers,
        ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
        ...(opts.raw !== undefined ? { payload: opts.raw } : {}),
      });
      return { status: res.statusCode, headers: res.headers, json: res.json() as Envelope<R> };
    };
    const sameOrigin = (csrf: string) => ({ origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'x-warren-csrf': csrf });

    /** Signs in from this origin; the cookie value and the CSRF token. */
    const signIn = async (email = ADMIN_EMAIL, password = PASSWORD) => {
      const r = await send<SessionResult>('POST', '/user/sessions', {
        body: { email, password },
        headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const setCookie = String(r.headers['set-cookie']);
      const cookie = /^warren_session=([A-Za-z0-9_-]{43});/.exec(setCookie)?.[1];
      assert.ok(cookie, setCookie);
      return { cookie, csrf: r.json.result.csrf_token, id: r.json.result.id, setCookie };
    };

    before(async () => {
      h = await startControl(dialect, { clock });
    });
    after(async () => {
      await h?.close();
    });

    test('signing in sets an HttpOnly SameSite=Lax cookie whose value is stored only as a hash', async () => {
      const s = await signIn();
      assert.match(s.setCookie, /; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);
      assert.doesNotMatch(s.setCookie, /Secure/, 'plain HTTP: not Secure');
      const current = await send<SessionResult>('GET', '/user/sessions/current', { cookie: s.cookie });
      assert.equal(current.status, 200);
      assert.equal(current.json.result.csrf_token, s.csrf);
      assert.equal(current.json.result.user.email, ADMIN_EMAIL);
      const rows = await Store.databaseForTests(h.store).selectFrom('dashboard_sessions').selectAll().execute();
      assert.ok(rows.length >= 1);
      for (const r of rows) assert.notEqual(r.token_hash, s.cookie);
      assert.ok(!JSON.stringify(rows).includes(s.cookie), 'the cookie value is not stored');
    });

    test('behind a TLS-terminating proxy (an https page, plain HTTP here) sign-in works and the cookie is Secure', async () => {
      const r = await send('POST', '/user/sessions', {
        body: { email: ADMIN_EMAIL, password: PASSWORD },
        headers: { origin: `https://${HOST.replace(':8081', '')}`, 'sec-fetch-site': 'same-origin', host: 'dash.test' },
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.match(String(r.headers['set-cookie']), /; HttpOnly; SameSite=Lax; Secure; Max-Age=604800$/);
      const other = await send('POST', '/user/sessions', {
        body: { email: ADMIN_EMAIL, password: PASSWORD },
        headers: { origin: 'https://evil.test', host: 'dash.test' },
      });
      assert.equal(other.status, 403);
    });

    test('the cookie session acts with the user’s roles, and a change with the CSRF header from this origin succeeds', async () => {
      const s = await signIn();
      const accounts = await send<{ id: string }[]>('GET', '/accounts', { cookie: s.cookie });
      assert.equal(accounts.status, 200);
      assert.equal(accounts.json.result[0]?.id, h.accountId);
      const made = await send('POST', `/accounts/${h.accountId}/cfd_tunnel`, {
        cookie: s.cookie,
        headers: sameOrigin(s.csrf),
        body: { name: 'from-the-dashboard' },
      });
      assert.equal(made.status, 200, JSON.stringify(made.json));
      const log = await h.call<{ action: { type: string }; actor: { email: string } }[]>(
        'GET',
        `/accounts/${h.accountId}/audit_logs?action.type=tunnel_create`,
      );
      assert.equal(log.json.result[0]?.actor.email, ADMIN_EMAIL);
    });

    test('a cookie-authenticated change without the CSRF header, or with a wrong one, is refused and changes nothing', async () => {
      const s = await signIn();
      for (const headers of [
        { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
        sameOrigin('A'.repeat(43)),
        sameOrigin(''),
      ]) {
        const r = await send('POST', `/accounts/${h.accountId}/cfd_tunnel`, {
          cookie: s.cookie,
          headers,
          body: { name: 'csrf-victim' },
        });
        assert.equal(r.status, 403, JSON.stringify(r.json));
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_CSRF_REFUSED');
        assert.doesNotMatch(r.json.errors[0]?.message ?? '', new RegExp(s.csrf));
      }
      const signOut = await send('DELETE', '/user/sessions/current', { cookie: s.cookie });
      assert.equal(signOut.status, 403, 'signing out is a change too');
      const list = await h.call<{ name: string }[]>('GET', `/accounts/${h.accountId}/cfd_tunnel?name=csrf-victim`);
      assert.deepEqual(list.json.result, []);
    });

    test('a cross-site form post carrying the cookie is refused before its body is read', async () => {
      const s = await signIn();
      const form = 'name=cross-site';
      for (const headers of [
        { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
        // A sibling origin on the same site (another tunnel hostname under the same domain).
        { origin: 'http://app.dash.test:8081', 'sec-fetch-site': 'same-site' },
        // Even with the right token (say it leaked into a page), another origin is refused.
        { origin: 'http://evil.test', 'x-warren-csrf': s.csrf },
        { origin: 'null' },
      ]) {
        const r = await send('POST', `/accounts/${h.accountId}/cfd_tunnel`, {
          cookie: s.cookie,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          raw: form,
        });
        assert.equal(r.status, 403, `${JSON.stringify(headers)}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_CSRF_REFUSED');
      }
      const list = await h.call<{ name: string }[]>('GET', `/accounts/${h.accountId}/cfd_tunnel?name=cross-site`);
      assert.deepEqual(list.json.result, []);
    });

    test('another site cannot sign a visitor in (login CSRF), and a Bearer token needs no CSRF header even beside a cookie', async () => {
      const r = await send('POST', '/user/sessions', {
        body: { email: ADMIN_EMAIL, password: PASSWORD },
        headers: { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(r.status, 403);
      assert.equal(r.json.errors[0]?.warren_code, 'WARREN_CSRF_REFUSED');
      assert.equal(r.headers['set-cookie'], undefined);
      const s = await signIn();
      const res = await h.app.inject({
        method: 'POST',
        url: `/client/v4/accounts/${h.accountId}/cfd_tunnel`,
        headers: {
          host: HOST,
          authorization: 'Bearer test-admin-token-0123456789abcdef',
          cookie: `warren_session=${s.cookie}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify({ name: 'by-token' }),
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('a session ends after 2 idle hours; activity keeps it alive only up to its 7-day limit', async () => {
      const createdAt = clock.ms;
      const idle = await signIn();
      const busy = await signIn();
      await clock.advance(SESSION_IDLE_MS - 60_000);
      assert.equal((await send('GET', '/user', { cookie: busy.cookie })).status, 200);
      await clock.advance(60_000);
      const gone = await send('GET', '/user', { cookie: idle.cookie });
      assert.equal(gone.status, 401);
      assert.equal(gone.json.errors[0]?.warren_code, 'WARREN_SESSION_EXPIRED');
      // Used every hour, the busy one lives until its absolute expiry and not a minute longer.
      const expiresAt = createdAt + SESSION_LIFETIME_MS;
      for (let i = 0; clock.ms + 3_600_000 < expiresAt && i < 200; i++) {
        await clock.advance(3_600_000);
        assert.equal((await send('GET', '/user', { cookie: busy.cookie })).status, 200, `hour ${i}`);
      }
      await clock.advance(expiresAt - clock.ms);
      const ended = await send('GET', '/user', { cookie: busy.cookie });
      assert.equal(ended.status, 401);
      assert.equal(ended.json.errors[0]?.warren_code, 'WARREN_SESSION_EXPIRED');
    });

    test('sessions are listed, one can be revoked, and "every other" revokes all but this one', async () => {
      const a = await signIn();
      const b = await signIn();
      const c = await signIn();
      const list = await send<SessionResult[]>('GET', '/user/sessions', { cookie: a.cookie });
      const mine = list.json.result.filter((s) => [a.id, b.id, c.id].includes(s.id));
      assert.equal(mine.length, 3);
      assert.deepEqual(
        list.json.result.filter((s) => s.current).map((s) => s.id),
        [a.id],
      );
      const one = await send('DELETE', `/user/sessions/${b.id}`, { cookie: a.cookie, headers: sameOrigin(a.csrf) });
      assert.equal(one.status, 200);
      assert.equal((await send('GET', '/user', { cookie: b.cookie })).status, 401);
      const rest = await send<{ revoked: number }>('DELETE', '/user/sessions', {
        cookie: a.cookie,
        headers: sameOrigin(a.csrf),
      });
      assert.equal(rest.status, 200);
      assert.ok(rest.json.result.revoked >= 1);
      assert.equal((await send('GET', '/user', { cookie: c.cookie })).status, 401);
      assert.equal((await send('GET', '/user', { cookie: a.cookie })).status, 200);
      const out = await send('DELETE', '/user/sessions/current', { cookie: a.cookie, headers: sameOrigin(a.csrf) });
      assert.equal(out.status, 200);
      assert.match(String(out.headers['set-cookie']), /^warren_session=; .*Max-Age=0$/);
      assert.equal((await send('GET', '/user', { cookie: a.cookie })).status, 401);
    });

    test('another user cannot see or revoke my sessions', async () => {
      const mine = await signIn();
      await h.call('POST', `/accounts/${h.accountId}/members`, {
        email: 'bob@example.test',
        roles: ['05784afa30c1afe1440e79d9351c7430'],
      });
      // Bob gets a password through the admin path of the store (the member API only invites).
      const bob = await h.store.identity.findUserByEmail('bob@example.test');
      assert.ok(bob);
      await h.store.identity.setPassword(bob.id, 'bob has a long password');
      const b = await signIn('bob@example.test', 'bob has a long password');
      const list = await send('GET', '/user/sessions', { cookie: b.cookie });
      assert.ok(!JSON.stringify(list.json).includes(mine.id));
      const r = await send('DELETE', `/user/sessions/${mine.id}`, { cookie: b.cookie, headers: sameOrigin(b.csrf) });
      assert.equal(r.status, 404);
      assert.equal((await send('GET', '/user', { cookie: mine.cookie })).status, 200);
    });

    test('the sign-in form is throttled: after 5 wrong passwords even the right one waits', async () => {
      const email = 'throttled@example.test';
      const user = await h.store.identity.createUser({ email, kind: 'person', password: 'the right password here' });
      assert.ok(user);
      let last: Answer | undefined;
      for (let i = 0; i < 6; i++) {
        last = await send('POST', '/user/sessions', {
          body: { email, password: `wrong ${i}` },
          headers: { origin: ORIGIN },
        });
      }
      assert.equal(last?.status, 429);
      assert.equal(last?.json.errors[0]?.warren_code, 'WARREN_SIGN_IN_THROTTLED');
      assert.ok(Number(last?.headers['retry-after']) >= 1);
      const right = await send('POST', '/user/sessions', {
        body: { email, password: 'the right password here' },
        headers: { origin: ORIGIN },
      });
      assert.equal(right.status, 429);
      assert.equal(right.headers['set-cookie'], undefined);
    });

    test('a body field error names its field as source.pointer, for the form to show beside it', async () => {
      const r = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: '' });
      assert.equal(r.status, 400);
      assert.deepEqual((r.json.errors[0] as { source?: unknown }).source, { pointer: '/name' });
      const missing = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, {});
      assert.deepEqual((missing.json.errors[0] as { source?: unknown }).source, { pointer: '/name' });
      await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'taken' });
      const dup = await h.call('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'taken' });
      assert.equal(dup.status, 409);
      assert.deepEqual((dup.json.errors[0] as { source?: unknown }).source, { pointer: '/name' });
    });
  });
}
