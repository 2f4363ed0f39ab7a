import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AUDIT_ACTIONS } from '../src/store/index.js';

const WORDS = fileURLToPath(new URL('../../web/src/pages/audit/action-words.ts', import.meta.url));

/** The keys of ACTION_WORDS, read from the dashboard's source (the web build is separate). */
function wordKeys(): string[] {
  const src = readFileSync(WORDS, 'utf8');
  const body = /export const ACTION_WORDS[^{]*\{([\s\S]*?)\n\};/.exec(src)?.[1] ?? '';
  return [...body.matchAll(/^\s+([A-Za-z_]+):\s*'/gm)].map((m) => m[1] as string);
}

test('the audit log has words for every action warren writes, and for nothing else (so the Action filter lists each)', () => {
  const keys = wordKeys();
  assert.ok(keys.length > 40, `parsed ${keys.length} keys`);
  assert.deepEqual(
    AUDIT_ACTIONS.filter((a) => !keys.includes(a)),
    [],
    'actions with no words in web/src/pages/audit/action-words.ts',
  );
  assert.deepEqual(
    keys.filter((k) => !(AUDIT_ACTIONS as readonly string[]).includes(k)),
    [],
    'words for actions warren never writes',
  );
  assert.equal(new Set(AUDIT_ACTIONS).size, AUDIT_ACTIONS.length, 'no action listed twice');
});
