import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeRequestHead,
  encodeResponseHead,
  HeadError,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
} from '../src/protocol/messages.js';

test('request-and-response-heads-round-trip-with-any-characters', () => {
  const heads: RequestHead[] = [
    { method: 'GET', path: '/', headers: [] },
    { method: 'POST', path: '/upload?x=1&y=%00', headers: ['Content-Length', '5', 'X-Empty', ''], endOfStream: true },
    {
      method: 'GET',
      path: '/ws',
      headers: ['Upgrade', 'websocket', 'Connection', 'upgrade'],
      upgrade: true,
      endOfStream: true,
    },
    // Latin-1 header bytes as node decodes them, and text beyond Latin-1 from configuration.
    {
      method: 'PUT',
      path: '/caf\u00e9/\u65e5\u672c',
      headers: ['X-Latin', '\u00ff\u00e9', 'X-Wide', '\u2603 snow', 'x', ''],
      upgrade: true,
    },
  ];
  for (const head of heads) assert.deepEqual(parseRequestHead(encodeRequestHead(head)), head);
  const responses = [
    { status: 200, headers: ['content-type', 'text/plain', 'set-cookie', 'a=1', 'set-cookie', 'b=2'] },
    { status: 204, headers: [], endOfStream: true },
    { status: 999, headers: ['x', '\u00e9'] },
  ];
  for (const head of responses) assert.deepEqual(parseResponseHead(encodeResponseHead(head)), head);
});

test('a-nul-in-a-field-becomes-a-space-and-cannot-forge-another-header', () => {
  const head: RequestHead = {
    method: 'GET',
    path: '/a\0b',
    headers: ['X-Evil', 'v\0cf-connecting-ip\0 6.6.6.6', 'Host', 'h'],
  };
  const parsed = parseRequestHead(encodeRequestHead(head));
  assert.deepEqual(parsed, {
    method: 'GET',
    path: '/a b',
    headers: ['X-Evil', 'v cf-connecting-ip  6.6.6.6', 'Host', 'h'],
  });
});

test('malformed-heads-are-protocol-errors', () => {
  const bad = (...fields: string[]) => Buffer.from(fields.join('\0'), 'utf8');
  const requests = [
    [''],
    ['0'],
    ['0', 'GET'],
    ['0', 'GET', '/', 'lonely-name'],
    ['4', 'GET', '/'],
    ['x', 'GET', '/'],
    ['0', '', '/'],
    ['0', 'GET', `/${'a'.repeat(65536)}`],
    ['0', 'GET', '/', ...Array.from({ length: 2002 }, () => 'x')],
  ];
  for (const r of requests) {
    assert.throws(() => parseRequestHead(bad(...r)), HeadError, JSON.stringify(r).slice(0, 40));
  }
  const responses = [
    [''],
    ['200'],
    ['20', '0'],
    ['1000', '0'],
    ['abc', '0'],
    ['099', '0'],
    ['200', '2'],
    ['200', ''],
    ['200', '0', 'name'],
  ];
  for (const r of responses) assert.throws(() => parseResponseHead(bad(...r)), HeadError, JSON.stringify(r));
});
