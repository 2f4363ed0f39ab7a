import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resetPassword, rollUserKey } from '../src/control/index.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, type Envelope, startControl } from './support/control-harness.js';

const ADMIN_PASSWORD = 'correct horse battery';
const HOST = 'dash.test:8081';
const ORIGIN = `http://${HOST}`;
const ADMINISTRATOR = '05784afa30c1afe1440e79d9351c7430';
const OPERATOR = { interface: 'warren admin', ip: '127.0.0.1' } as const;

interface Session {
  cookie: string;
  csrf: string;
}

for (const dialect of DIALECTS) {
  describe(`dashboard sessions end when the credentials change (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;

    before(async () => {
      h = await startControl(dialect);
    });
    after(async () => {
      await h?.close();
    });

    const send = async <R = unknown>(method: string, path: string, s?: Session, body?: unknown) => {
      const headers: Record<string, string> = { host: HOST, origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
      if (s !== undefined) {
        headers.cookie = `warren_session=${s.cookie}`;
        headers['x-warren-csrf'] = s.csrf;
      }
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await h.app.inject({
        method: method as 'GET',
        url: `/client/v4${path}`,
        headers,
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.json() as Envelope<R> };
    };

    const signIn = async (email: string, password: string): Promise<Session> => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/client/v4/user/sessions',
        headers: { host: HOST, origin: ORIGIN, 'content-type': 'application/json' },
        payload: JSON.stringify({ email, password }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const cookie = /^warren_session=([A-Za-z0-9_-]{43});/.exec(String(res.headers['set-cookie']))?.[1];
      assert.ok(cookie);
      return { cookie, csrf: (res.json() as Envelope<{ csrf_token: string }>).result.csrf_token };
    };

    /** 200 while the session lives, 401 once it is gone. */
    const alive = async (s: Session) => (await send('GET', '/user', s)).status;

    /** A person with a password, invited by the admin (pending until they accept). */
    const invited = async (email: string, password: string) => {
      await h.store.identity.createUser({ email, kind: 'person', password });
      const r = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/members`, {
        email,
        roles: [ADMINISTRATOR],
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json.result.id;
    };

    test('an operator password reset ends every dashboard session of that user and no one else’s', async () => {
      const email = 'reset@example.test';
      await h.store.identity.createUser({ email, kind: 'person', password: 'the old long password' });
      const a = await signIn(email, 'the old long password');
      const b = await signIn(email, 'the old long password');
      const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
      await resetPassword(h.store, email, 'the new long password', OPERATOR);
      assert.equal(await alive(a), 401);
      assert.equal(await alive(b), 401);
      assert.equal(await alive(admin), 200, 'another user keeps their session');
      assert.equal(await alive(await signIn(email, 'the new long password')), 200);
    });

    test('an operator key roll (warren admin roll-key) ends every dashboard session of that user', async () => {
      const email = 'roll@example.test';
      await h.store.identity.createUser({ email, kind: 'person', password: 'a long enough password' });
      const a = await signIn(email, 'a long enough password');
      const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
      await rollUserKey(h.store, email, OPERATOR);
      assert.equal(await alive(a), 401);
      assert.equal(await alive(admin), 200);
    });

    test('a role change by an administrator ends the member’s sessions but not the administrator’s', async () => {
      const email = 'roles@example.test';
      const id = await invited(email, 'a long enough password');
      const member = await signIn(email, 'a long enough password');
      assert.equal((await send('PUT', `/memberships/${id}`, member, { status: 'accepted' })).status, 200);
      const again = await signIn(email, 'a long enough password');
      const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
      const r = await send('PUT', `/accounts/${h.accountId}/members/${id}`, admin, {
        roles: [{ id: 'e58cefd75d7adae0b761796c28815e5c' }],
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(await alive(member), 401);
      assert.equal(await alive(again), 401);
      assert.equal(await alive(admin), 200, 'the administrator changed someone else’s key, not their own');
    });

    test('the user’s own key roll (accepting an invitation) keeps every one of their sessions', async () => {
      const email = 'accept@example.test';
      const id = await invited(email, 'a long enough password');
      const elsewhere = await signIn(email, 'a long enough password');
      const here = await signIn(email, 'a long enough password');
      const r = await send('PUT', `/memberships/${id}`, here, { status: 'accepted' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(await alive(here), 200);
      assert.equal(await alive(elsewhere), 200);
    });
  });
}
