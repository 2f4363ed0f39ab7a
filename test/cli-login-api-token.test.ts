import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { CLI, exitOf, type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const PS_WARNING =
  /^warning: --api-token is visible to every local user in the process list \(ps\); pass it in the WARREN_API_TOKEN environment variable, or as "--api-token -" on stdin, instead$/;

/** `warren login …` with `stdin` written to its standard input; HOME is `home`. */
async function loginWithStdin(home: string, args: string[], stdin: string) {
  const child = spawn(process.execPath, [CLI, 'login', ...args], {
    cwd: home,
    env: { ...process.env, HOME: home, WARREN_API_TOKEN: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.stdin.end(stdin);
  return { code: await exitOf(child), stdout, stderr };
}

describe('warren login keeps the API token out of ps', () => {
  let serve: ServeHandle;
  before(async () => {
    serve = await startServe({ env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const accounts = (await (await fetch(`${serve.apiBase}/client/v4/accounts`, { headers })).json()) as {
      result: { id: string }[];
    };
    const zone = await fetch(`${serve.apiBase}/client/v4/zones`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ account: { id: accounts.result[0]?.id }, name: 'example.com' }),
    });
    assert.equal(zone.status, 200);
  });
  after(async () => {
    await serve?.stop('SIGKILL');
  });

  test('login-with-api-token-on-the-command-line-works-and-warns-in-one-line', async () => {
    const home = tempDir('warren-home-');
    const r = await runCli(
      home,
      ['login', '--api', serve.apiBase, '--api-token', ADMIN_TOKEN, '--zone', 'example.com'],
      {
        WARREN_API_TOKEN: '',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr.trim(), PS_WARNING);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!r.stderr.includes(ADMIN_TOKEN));
    assert.ok(existsSync(join(home, '.warren', 'cert.pem')));
  });

  test('login-reads-WARREN_API_TOKEN-with-no-warning', async () => {
    const home = tempDir('warren-home-');
    const r = await runCli(home, ['login', '--api', serve.apiBase, '--zone', 'example.com'], {
      WARREN_API_TOKEN: ADMIN_TOKEN,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(existsSync(join(home, '.warren', 'cert.pem')));
  });

  test('login-api-token-dash-reads-the-token-from-stdin', async () => {
    const home = tempDir('warren-home-');
    const r = await loginWithStdin(
      home,
      ['--api', serve.apiBase, '--api-token', '-', '--zone', 'example.com'],
      `${ADMIN_TOKEN}\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(existsSync(join(home, '.warren', 'cert.pem')));
    rmSync(join(home, '.warren'), { recursive: true });
    const empty = await loginWithStdin(home, ['--api', serve.apiBase, '--api-token', '-', '--zone', 'example.com'], '');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr.trim(), /^warren: --api-token -: stdin was empty; pipe the token in/);
  });
});
