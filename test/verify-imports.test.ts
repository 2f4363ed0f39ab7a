import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DIST_SRC, importClosure } from './support/import-closure.js';

const entry = join(DIST_SRC, 'verify', 'index.js');

/** Every module `warren/verify` loads at run time, and its packages. */
function closure(): { files: string[]; packages: Set<string> } {
  return importClosure('verify/index.js');
}

test('warren/verify loads neither the error table nor anything outside verify/ but the error class', () => {
  const { files, packages } = closure();
  const outside = files.filter((f) => !f.startsWith('verify/'));
  assert.deepEqual(outside, ['errors/warren-error.js'], 'the public library pulls in only the error class');
  const allowed = new Set(['cookie', 'jose', 'node:']);
  assert.deepEqual(
    [...packages].filter((p) => !allowed.has(p)),
    [],
    'only jose, cookie and node built-ins',
  );
});

test('AccessVerifyError keeps its status and retry flag without the error table loaded', () => {
  // A fresh process that imports only the library: the table is not there to answer.
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const v = await import(${JSON.stringify(entry)});
       const a = new v.AccessVerifyError('WARREN_ACCESS_TOKEN_EXPIRED', 'exp is past');
       const b = new v.AccessVerifyError('WARREN_ACCESS_JWKS_UNAVAILABLE', 'down');
       console.log(JSON.stringify([a.status, a.retryable, b.status, b.retryable, a.code, a.name]));`,
    ],
    { encoding: 'utf8' },
  );
  assert.deepEqual(JSON.parse(out), [403, false, 403, true, 'WARREN_ACCESS_TOKEN_EXPIRED', 'AccessVerifyError']);
});

test('every export of warren/verify has TSDoc with an @example', () => {
  const srcDir = fileURLToPath(new URL('../../src/verify/', import.meta.url));
  const index = readFileSync(join(srcDir, 'index.ts'), 'utf8');
  const names = [...index.matchAll(/\b(?:type\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[,}]/g)].map((m) => m[1] ?? '');
  assert.ok(names.length >= 15, `found ${names.length} exports`);
  const sources = ['access-claims', 'access-middleware', 'access-verifier', 'access-verify-error', 'token-from-request']
    .map((f) => readFileSync(join(srcDir, `${f}.ts`), 'utf8'))
    .join('\n');
  const missing = names.filter((name) => {
    const decl = new RegExp(
      `/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:async )?(?:function|const|interface|type|class) ${name}\\b`,
    );
    return !(decl.exec(sources)?.[1] ?? '').includes('@example');
  });
  assert.deepEqual(missing, [], 'exports without a TSDoc @example');
});
