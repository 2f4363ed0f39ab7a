import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationOption, envNameOf, intOption } from '../src/cli/serve/server-flags.js';

test('server flags: the environment variable is WARREN_ and the flag name', () => {
  const rows: [string, string][] = [
    ['--http-port <port>', 'WARREN_HTTP_PORT'],
    ['--bind <addr>', 'WARREN_BIND'],
    ['--zone-auto-activate', 'WARREN_ZONE_AUTO_ACTIVATE'],
    ['--allow-private-idp-addresses [bool]', 'WARREN_ALLOW_PRIVATE_IDP_ADDRESSES'],
    ['--max-tunnels-per-account <n>', 'WARREN_MAX_TUNNELS_PER_ACCOUNT'],
  ];
  for (const [flags, env] of rows) assert.equal(envNameOf(flags), env, flags);
});

test('server flags: integer and duration options parse, bound and default as the flag says', () => {
  const port = intOption('--peer-port <port>', 'p', 0, 0, 65535);
  assert.equal(port.envVar, 'WARREN_PEER_PORT');
  assert.equal(port.defaultValue, 0);
  const parse = port.parseArg;
  assert.ok(parse !== undefined);
  assert.equal(parse('8080', undefined), 8080);
  assert.throws(() => parse('65536', undefined), /--peer-port must be an integer from 0 to 65535/);
  const d = durationOption('--origin-response-timeout <duration>', 'd', { ms: 100_000, shown: '100s' });
  assert.equal(d.defaultValue, 100_000);
  assert.equal(d.defaultValueDescription, '100s');
  assert.equal(d.parseArg?.('2m', undefined), 120_000);
  assert.throws(() => d.parseArg?.('soon', undefined), /--origin-response-timeout "soon" is not a duration/);
});
