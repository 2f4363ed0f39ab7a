import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_TYPES_DIR, apiTypesFiles, MAX_LINES } from '../scripts/api-types.js';

const dir = fileURLToPath(new URL(`../../${API_TYPES_DIR}`, import.meta.url));

/** The first line where two texts part, for a message that says where the drift is. */
function firstDifference(have: string, want: string): string {
  const a = have.split('\n');
  const b = want.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: committed ${JSON.stringify(a[i])}, generated ${JSON.stringify(b[i])}`;
  }
  return 'none';
}

test('the dashboard API types are the ones openapi-typescript makes from the current openapi.json (npm run gen:api-types)', async () => {
  const want = await apiTypesFiles();
  const have = readdirSync(dir).sort();
  assert.deepEqual(have, [...want.keys()].sort(), `${API_TYPES_DIR}: run \`npm run gen:api-types\` and commit it`);
  for (const [name, text] of want) {
    const committed = readFileSync(join(dir, name), 'utf8');
    assert.ok(
      committed === text,
      `${API_TYPES_DIR}/${name} is stale (${firstDifference(committed, text)}): run \`npm run gen:api-types\` and commit it`,
    );
  }
});

test(`every generated file is at most ${MAX_LINES} lines, and together they carry the envelope and the bodies`, () => {
  const names = readdirSync(dir);
  const texts = names.map((n) => readFileSync(join(dir, n), 'utf8'));
  const long = names.filter((_, i) => (texts[i] ?? '').split('\n').length - 1 > MAX_LINES);
  assert.deepEqual(long, [], `files over ${MAX_LINES} lines`);
  const all = texts.join('\n');
  assert.match(all, /warren_code\?: string;/);
  assert.match(all, /"\/accounts\/\{account_id\}\/cfd_tunnel": \{/);
  assert.match(all, /"\/zones\/\{zone_id\}\/dns_records": \{/);
});
