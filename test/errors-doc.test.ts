import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_TABLE, renderErrorsDoc, WarrenError, type WarrenErrorCode } from '../src/errors/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md is the one generated from the error table (run npm run docs:errors)', () => {
  assert.equal(doc, renderErrorsDoc(), 'docs/errors.md is stale: run `npm run docs:errors` and commit it');
});

test('every code in docs/errors.md is in the error table, with its status and retryable flag', () => {
  const documented = new Map<string, { status: string; retryable: string }>();
  for (const m of doc.matchAll(/^\| `(WARREN_[A-Z_]+)` \| (?:[^|\\]|\\.)* \| (\S+) \| \S+ \| (yes|no) \|/gm)) {
    documented.set(m[1] as string, { status: m[2] as string, retryable: m[3] as string });
  }
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_TABLE).sort());
  for (const [code, spec] of Object.entries(ERROR_TABLE) as [
    WarrenErrorCode,
    (typeof ERROR_TABLE)[WarrenErrorCode],
  ][]) {
    const row = documented.get(code);
    const status = 'status' in spec ? String(spec.status) : '–';
    assert.deepEqual(row, { status, retryable: spec.retryable ? 'yes' : 'no' }, code);
  }
});

test('an error takes its status, Cloudflare code and retryable flag from the table', () => {
  const err = new WarrenError('WARREN_API_FORBIDDEN', 'no');
  assert.deepEqual([err.status, err.cfCode, err.retryable], [403, 9109, false]);
  assert.equal(new WarrenError('WARREN_AUTH_UNAVAILABLE', 'db down').retryable, true);
  // The literal union narrows: a switch over it is exhaustive at compile time.
  const code: WarrenErrorCode = err.code;
  switch (code) {
    case 'WARREN_API_FORBIDDEN':
      break;
    default:
      assert.fail(`unexpected ${code}`);
  }
});
