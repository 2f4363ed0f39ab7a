import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeConfigStatus,
  encodeJson,
  MAX_CONFIG_STATUS_REASON_CHARS,
  parseConfigStatus,
  parseRegistration,
} from '../src/protocol/index.js';

test('config-status: a report round-trips; the reason is bounded and cannot forge lines', () => {
  const status = {
    version: 3,
    state: 'refused' as const,
    running: 2,
    reason: 'caPool "/dev/zero" is a character device',
  };
  assert.deepEqual(parseConfigStatus(encodeConfigStatus(status)), status);
  const long = encodeConfigStatus({ ...status, reason: 'x'.repeat(5_000) });
  assert.equal(parseConfigStatus(long).reason?.length, MAX_CONFIG_STATUS_REASON_CHARS);
  const forged = parseConfigStatus(encodeJson({ version: 3, state: 'refused', running: 2, reason: 'a\nERR forged\r' }));
  assert.equal(forged.reason, 'a ERR forged ');
});

test('config-status: a connector cannot send anything else', () => {
  const bad: unknown[] = [
    { version: 0, state: 'applied', running: 0 },
    { version: 1.5, state: 'applied', running: 0 },
    { version: 1, state: 'done', running: 0 },
    { version: 1, state: 'applied', running: -1 },
    { version: 1, state: 'applied', running: 0, reason: 7 },
    { version: 1, state: 'applied', running: 0, reason: 'x'.repeat(MAX_CONFIG_STATUS_REASON_CHARS + 1) },
    [1],
  ];
  for (const v of bad) assert.throws(() => parseConfigStatus(encodeJson(v)), /config status/, JSON.stringify(v));
  assert.throws(() => parseConfigStatus(Buffer.from('{')), /not JSON/);
});

test('config-status: the edge lists the feature in its Registration; unknown names are dropped', () => {
  const base = { connectionId: 'c', edgeName: 'e', tunnelId: 't', initialWindow: 65_536 };
  assert.deepEqual(parseRegistration(encodeJson({ ...base, features: ['config-status', 'teleport'] })).features, [
    'config-status',
  ]);
  assert.equal(parseRegistration(encodeJson(base)).features, undefined);
});
