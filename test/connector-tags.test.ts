import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connector } from '../src/connector/index.js';
import { WarrenError } from '../src/errors/index.js';
import {
  encodeJson,
  MAX_CONNECTOR_TAGS,
  MAX_TAG_KEY_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MessageError,
  PROTOCOL_VERSION,
  parseRegisterRequest,
} from '../src/protocol/index.js';
import { quietLogger } from './support/control-harness.js';

const registration = (tags: unknown): Buffer =>
  encodeJson({
    version: PROTOCOL_VERSION,
    auth: { kind: 'quick-new' },
    connector: { connectorId: 'c-1', connIndex: 0, version: 'test', arch: 'x64', os: 'linux', tags },
    heartbeatMs: 5_000,
    initialWindow: 128 * 1024,
  });

test('the-edge-keeps-the-tags-a-connector-sends-at-registration', () => {
  const r = parseRegisterRequest(registration({ env: 'prod', 'team.name': 'web/api', empty: '' }));
  assert.deepEqual(r.connector.tags, { env: 'prod', 'team.name': 'web/api', empty: '' });
  // Tags are optional: older connectors send none.
  const none = parseRegisterRequest(registration(undefined));
  assert.equal(none.connector.tags, undefined);
});

test('the-edge-refuses-a-registration-whose-tags-break-the-bounds', () => {
  const many = Object.fromEntries(Array.from({ length: MAX_CONNECTOR_TAGS + 1 }, (_, i) => [`k${i}`, 'v']));
  const bad: [unknown, RegExp][] = [
    [many, /at most 16/],
    [{ ['k'.repeat(MAX_TAG_KEY_LENGTH + 1)]: 'v' }, /tag name/],
    [{ k: 'v'.repeat(MAX_TAG_VALUE_LENGTH + 1) }, /at most 256/],
    [{ 'has space': 'v' }, /tag name/],
    [{ k: 'line\nbreak' }, /control characters/],
    [{ k: '\u001b[31mred' }, /control characters/],
    [{ k: 1 }, /string value/],
    [JSON.parse('{"__proto__": "x"}'), /tag name/],
    [['env=prod'], /must be an object/],
    ['env=prod', /must be an object/],
  ];
  for (const [tags, message] of bad) {
    assert.throws(
      () => parseRegisterRequest(registration(tags)),
      (err: unknown) => err instanceof MessageError && message.test(err.message),
      JSON.stringify(tags),
    );
  }
  // At the bounds exactly: accepted.
  const full = Object.fromEntries(
    Array.from({ length: MAX_CONNECTOR_TAGS }, (_, i) => [
      `${i}`.padStart(MAX_TAG_KEY_LENGTH, 'k'),
      'v'.repeat(MAX_TAG_VALUE_LENGTH),
    ]),
  );
  assert.equal(Object.keys(parseRegisterRequest(registration(full)).connector.tags ?? {}).length, MAX_CONNECTOR_TAGS);
});

test('a-connector-with-tags-over-the-bounds-stops-at-start-with-a-config-error', () => {
  const make = (tags: Record<string, string>): Connector =>
    new Connector({
      edge: { host: '127.0.0.1', port: 1 },
      ca: undefined,
      credentials: undefined,
      haConnections: 1,
      handle: () => {},
      logger: quietLogger,
      tags,
    });
  assert.throws(
    () => make({ k: 'v'.repeat(MAX_TAG_VALUE_LENGTH + 1) }),
    (err: unknown) => err instanceof WarrenError && err.code === 'WARREN_CONFIG_INVALID' && /--tag/.test(err.message),
  );
  assert.ok(make({ env: 'prod' }));
});
