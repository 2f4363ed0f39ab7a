import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accessCliCode } from '../src/edge/access/access-cli-code.js';
import {
  ACCESS_CLI_TRANSFER_TTL_MS,
  ACCESS_CLI_TRANSFERS_PER_USER,
  ACCESS_CLI_TRANSFERS_TOTAL,
  AccessCliTransfers,
} from '../src/edge/access/access-cli-transfers.js';

const AUD = 'a'.repeat(64);
const id = (n: number) => `transfer-${String(n).padStart(40, '0')}`;

describe('the edge keeps confirmed `warren access login` transfers briefly, once, and bounded', () => {
  test('a confirmed token is taken once, only for its app, and not after 5 minutes', () => {
    let now = 1_000_000;
    const t = new AccessCliTransfers(() => now);
    assert.equal(t.take(id(1), AUD), undefined, 'nothing before a confirmation');
    assert.equal(t.put(id(1), { token: 'jwt-1', aud: AUD, user: 'u' }), 'stored');
    assert.equal(t.take(id(1), 'b'.repeat(64)), undefined, 'not through another app');
    assert.equal(t.take(id(1), AUD), 'jwt-1');
    assert.equal(t.take(id(1), AUD), undefined, 'single use');
    assert.equal(t.put(id(2), { token: 'jwt-2', aud: AUD, user: 'u' }), 'stored');
    now += ACCESS_CLI_TRANSFER_TTL_MS;
    assert.equal(t.take(id(2), AUD), undefined, 'expired after 5 minutes');
  });

  test('a second confirmation of the same id never replaces the first', () => {
    const t = new AccessCliTransfers();
    assert.equal(t.put(id(1), { token: 'victim', aud: AUD, user: 'v' }), 'stored');
    assert.equal(t.put(id(1), { token: 'other', aud: AUD, user: 'w' }), 'exists');
    assert.equal(t.take(id(1), AUD), 'victim');
  });

  test('one identity holds a few at once, everyone together a bounded number; expired ones free room', () => {
    let now = 0;
    const t = new AccessCliTransfers(() => now);
    for (let i = 0; i < ACCESS_CLI_TRANSFERS_PER_USER; i++) {
      assert.equal(t.put(id(i), { token: 't', aud: AUD, user: 'same' }), 'stored');
    }
    assert.equal(t.put(id(99), { token: 't', aud: AUD, user: 'same' }), 'full');
    for (let i = 100; t.size < ACCESS_CLI_TRANSFERS_TOTAL; i++) {
      assert.equal(t.put(id(i), { token: 't', aud: AUD, user: `u${i}` }), 'stored');
    }
    assert.equal(t.put(id(5000), { token: 't', aud: AUD, user: 'new' }), 'full');
    now += ACCESS_CLI_TRANSFER_TTL_MS;
    assert.equal(t.put(id(5000), { token: 't', aud: AUD, user: 'new' }), 'stored');
    assert.equal(t.size, 1);
  });

  test('the short code is derived from the transfer id: the same for the CLI and the page, different per id', () => {
    assert.match(accessCliCode(id(1)), /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    assert.equal(accessCliCode(id(1)), accessCliCode(id(1)));
    assert.notEqual(accessCliCode(id(1)), accessCliCode(id(2)));
  });
});
