import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appCoversHost, isHostname, matchApp, parseAppDomain } from '../src/access/index.js';
import { edgeUrl } from '../src/edge/access/access-http.js';
import { gatePath } from '../src/edge/access/gate-path.js';

const read = (t: string) => {
  const p = gatePath(t);
  if ('error' in p) throw new Error(`${t}: ${p.error}`);
  return p;
};

describe('the gate reads a path as origins do', () => {
  test('the origin gets one normal form: unreserved escapes decoded, dots resolved, slashes merged, no fragment', () => {
    const cases: [string, string][] = [
      ['/page?x=1', '/page?x=1'],
      ['/%61dmin/%7Euser/%2e%2E/x?q=%2F', '/admin/x?q=%2F'],
      ['/a/./b/../c//d/?q=1#frag', '/a/c/d/?q=1'],
      ['/a\\..\\admin', '/admin'],
      ['/x/..%2fadmin', '/x/..%2Fadmin'],
      ['/caf%c3%a9', '/caf%C3%A9'],
      ['/../../etc', '/etc'],
      ['/a#/../admin', '/a'],
    ];
    for (const [t, forward] of cases) assert.equal(read(t).forward, forward, t);
  });

  test('encoded separators, path parameters, trailing dots and double escapes each add the reading an origin may make', () => {
    const views = (t: string) => [...read(t).views].sort();
    assert.deepEqual(views('/x/..%2fadmin/s'), ['/admin/s', '/x/..%2fadmin/s', '/x/../admin/s']);
    assert.deepEqual(views('/x/..%5Cadmin'), ['/admin', '/x/..%5cadmin', '/x/../admin']);
    assert.ok(views('/admin;jsessionid=1/x').includes('/admin/x'), 'servlet containers drop ;params');
    assert.ok(views('/x/..;/admin').includes('/admin'));
    assert.ok(views('/admin./secret').includes('/admin/secret'), 'Windows drops trailing dots');
    assert.ok(views('/x/..%252fadmin').includes('/admin'), 'an origin that decodes twice');
    assert.deepEqual(views('/Public/Page'), ['/public/page'], 'a plain path reads one way');
  });

  test("an app's own path is read the same way, so an encoded or dotted app path still covers its requests", () => {
    assert.equal(parseAppDomain('app.example.com/%61dmin/').path, '/admin');
    assert.equal(parseAppDomain('app.example.com/Caf%C3%A9').path, '/café');
    assert.equal(parseAppDomain('app.example.com/x/..//admin\\sub').path, '/admin/sub');
    assert.equal(parseAppDomain('app.example.com/').path, '');
    const app = { domain: parseAppDomain('app.example.com/caf%C3%A9') };
    assert.equal(matchApp([app], 'app.example.com', read('/caf%c3%a9/menu').canonical), app);
  });

  test('what is not a path is refused: bad escapes, escapes that are not UTF-8, raw bytes outside visible ASCII', () => {
    for (const bad of ['/%zz', '/a%', '/a%f', '/%ff', '/%c0%af', '/%e0%80%ae', '/a b', '/\u00e9']) {
      assert.ok('error' in gatePath(bad), bad);
    }
  });
});

describe('login hosts', () => {
  test('only valid host names are hosts; a wildcard covers them, never a string that merely ends like them', () => {
    for (const h of [
      'a.w.example.com',
      'localhost',
      '127.0.0.1',
      '[::1]',
      'x_y.example.com',
      'xn--bcher-kva.example',
    ]) {
      assert.ok(isHostname(h), h);
    }
    const w = parseAppDomain('*.w.example.com');
    assert.ok(appCoversHost(w, 'a.b.w.example.com'));
    assert.ok(!appCoversHost(w, 'w.example.com'));
    for (const h of [
      'evil.example/?.w.example.com',
      'evil.example\\.w.example.com',
      'evil.example#.w.example.com',
      'evil.example:80@x.w.example.com',
      'evil.example%2f.w.example.com',
      'evil.example .w.example.com',
      '-a.w.example.com',
      'a..w.example.com',
      `${'x'.repeat(64)}.w.example.com`,
    ]) {
      assert.ok(!isHostname(h), h);
      assert.ok(!appCoversHost(w, h), h);
    }
  });

  test('edge URLs are built from parts and keep their host whatever the values hold', () => {
    assert.equal(
      edgeUrl('http', 'a.w.example.com', ':8080', '/cdn-cgi/access/authorized', {
        token: 'a.b.c',
        redirect_url: '/x?y=1#z',
      }),
      'http://a.w.example.com:8080/cdn-cgi/access/authorized?token=a.b.c&redirect_url=%2Fx%3Fy%3D1%23z',
    );
    assert.throws(() => edgeUrl('https', 'evil.example/?.w.example.com', '', '/x'), TypeError);
  });
});
