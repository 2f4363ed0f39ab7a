import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  bootstrapAdmin,
  ControlPlane,
  createApiServer,
  DashboardBundle,
  DEFAULT_DASHBOARD_DIR,
} from '../src/control/index.js';
import { Store } from '../src/store/index.js';
import { DIALECTS, quietLogger } from './support/control-harness.js';

const sqlite = DIALECTS[0];

/** A bundle like vite's: index.html and hashed assets. */
function fakeBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><div id="root"></div><script src="/assets/index-AbC123.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

async function serverWith(dashboardDir: string | false, withUser: boolean) {
  if (sqlite === undefined) throw new Error('no sqlite dialect');
  const db = await sqlite.fresh();
  const store = await Store.open({ dataDir: db.dataDir, logger: quietLogger });
  if (withUser) await bootstrapAdmin(store, { email: 'a@example.test', token: 'static-test-token-0123456789abcdef' });
  const control = await ControlPlane.start({
    store,
    domain: 'warren.localhost',
    edgeName: 'test-edge',
    logger: quietLogger,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
    accessKeyRotationTimer: false,
    dashboardDir,
  });
  const app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await control.close();
      await store.close();
      await db.drop();
    },
  };
}

describe('the control plane serves the dashboard bundle', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  before(async () => {
    ({ app, close } = await serverWith(fakeBundle(), true));
  });
  after(async () => {
    await close?.();
  });

  test('deep links get index.html, never cached, with a CSP that allows only this origin', async () => {
    for (const url of ['/', '/tunnels', '/tunnels/6f1c0c7e-0000-4000-8000-000000000000?x=1']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      assert.match(r.body, /<div id="root">/);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.match(String(r.headers['content-security-policy']), /script-src 'self'; .*frame-ancestors 'none'/);
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
  });

  test('hashed assets are served with their type and cached for a year; a missing asset is a 404, not HTML', async () => {
    const js = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const css = await app.inject({ method: 'GET', url: '/assets/index-AbC123.css' });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache');
    const gone = await app.inject({ method: 'GET', url: '/assets/index-Old999.js' });
    assert.equal(gone.statusCode, 404);
    assert.match(String(gone.headers['content-type']), /application\/json/);
    const traversal = await app.inject({ method: 'GET', url: '/assets/..%2F..%2Fpackage.json' });
    assert.equal(traversal.statusCode, 404);
  });

  test('API, health and server pages keep their own answers (no SPA fallback there)', async () => {
    const api = await app.inject({ method: 'GET', url: '/client/v4/no-such-thing' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().errors[0].warren_code, 'WARREN_API_NOT_FOUND');
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual(health.json(), { status: 'ok' });
    const post = await app.inject({ method: 'POST', url: '/tunnels' });
    assert.equal(post.statusCode, 404, 'only GET and HEAD fall back to the page');
    const setup = await app.inject({ method: 'GET', url: '/setup/else' });
    assert.equal(setup.statusCode, 404);
  });
});

describe('without a user or without a bundle, / says what to do', () => {
  test('no user yet: / is the setup page even with the dashboard built', async () => {
    const s = await serverWith(fakeBundle(), false);
    try {
      const r = await s.app.inject({ method: 'GET', url: '/' });
      assert.match(r.body, /<h1>Set up warren<\/h1>/);
    } finally {
      await s.close();
    }
  });

  test('no bundle (dashboardDir false): / explains the CLI and API; other paths are the JSON 404', async () => {
    const s = await serverWith(false, true);
    try {
      const r = await s.app.inject({ method: 'GET', url: '/' });
      assert.match(r.body, /<h1>Sign in to warren<\/h1>/);
      assert.match(r.body, /warren login --api/);
      const other = await s.app.inject({ method: 'GET', url: '/tunnels' });
      assert.equal(other.statusCode, 404);
      assert.match(String(other.headers['content-type']), /application\/json/);
    } finally {
      await s.close();
    }
  });

  test('npm run build put the real bundle where the server looks for it', () => {
    assert.match(DEFAULT_DASHBOARD_DIR, /\/web\/dist\/$/);
    const bundle = DashboardBundle.load(DEFAULT_DASHBOARD_DIR);
    assert.ok(bundle, 'web/dist/index.html exists');
    assert.match(
      bundle.index.toString('utf8'),
      /<script type="module" crossorigin src="\/assets\/index-[A-Za-z0-9_-]+\.js">/,
    );
  });
});
