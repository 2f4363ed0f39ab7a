import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvRows } from '../web/src/pages/audit/csv-field.js';

test('the audit CSV quotes every field and doubles quotes inside', () => {
  assert.equal(csvRows([['a', 'say "hi"', 'x,y']]), '"a","say ""hi""","x,y"\r\n');
});

test('the audit CSV defuses values a spreadsheet would run as a formula', () => {
  for (const v of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\tx']) {
    assert.ok(csvField(v).startsWith(`"'`), `${JSON.stringify(v)} -> ${csvField(v)}`);
  }
  assert.equal(csvField('alice@example.com'), '"alice@example.com"');
});
