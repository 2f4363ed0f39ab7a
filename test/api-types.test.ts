import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_TYPES_FILE, apiTypesSource } from '../scripts/api-types.js';

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
  const have = readFileSync(new URL(`../../${API_TYPES_FILE}`, import.meta.url), 'utf8');
  const want = await apiTypesSource();
  assert.ok(
    have === want,
    `${API_TYPES_FILE} is stale (${firstDifference(have, want)}): run \`npm run gen:api-types\` and commit it`,
  );
});

test('the generated types carry the envelope with warren_code and the request bodies the dashboard sends', () => {
  const have = readFileSync(new URL(`../../${API_TYPES_FILE}`, import.meta.url), 'utf8');
  assert.match(have, /warren_code\?: string;/);
  assert.match(have, /"\/accounts\/\{account_id\}\/cfd_tunnel": \{/);
  assert.match(have, /"\/zones\/\{zone_id\}\/dns_records": \{/);
});
