import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
};

test('every export of the built package exists and imports by the package name', async () => {
  const subpaths = Object.keys(pkg.exports);
  assert.ok(subpaths.includes('./verify'), 'warren/verify is exported');
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const files = typeof target === 'string' ? [target] : Object.values(target);
    for (const f of files) assert.ok(existsSync(new URL(f, root)), `${subpath} → ${f} exists (run npm run build)`);
    if (subpath.endsWith('.json')) continue;
    // A self-reference: node resolves the package's own name through its "exports".
    const specifier = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`;
    const mod = (await import(specifier)) as Record<string, unknown>;
    assert.ok(Object.keys(mod).length > 0, `${specifier} exports something`);
  }
});

test('warren/verify exports its documented API', async () => {
  const specifier = `${pkg.name}/verify`;
  const mod = (await import(specifier)) as Record<string, unknown>;
  for (const name of [
    'createAccessVerifier',
    'AccessVerifyError',
    'withAccess',
    'accessExpress',
    'accessFastify',
    'accessTokenOf',
  ]) {
    assert.equal(typeof mod[name], 'function', `${specifier} exports ${name}`);
  }
});
