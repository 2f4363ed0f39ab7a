import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf } from '../src/cli/tunnel/tail-command.js';

test('warren tail prints one line per event, with terminal escapes from the network made harmless', () => {
  const line = lineOf({
    time: '2026-12-01T05:40:26.123Z',
    level: 'warn',
    event: 'http',
    connector_id: '6ff42ae2-765d-4adf-8112-31c55c1551ef',
    message: 'ignored',
    method: 'GET',
    host: 'app.example.com\u001b]0;pwned\u0007',
    path: '/missing\u001b[2J',
    status: 404,
    duration_ms: 3.5,
    ray_id: '8f1c2a3b4c5d6e7f',
  });
  assert.equal(
    line,
    '2026-12-01T05:40:26.123Z WARN  http GET app.example.com?]0;pwned?/missing?[2J 404 3.5ms ray=8f1c2a3b4c5d6e7f connector=6ff42ae2-765d-4adf-8112-31c55c1551ef',
  );
});
