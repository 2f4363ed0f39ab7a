import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { oneLineError } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import type { TunnelResult } from './support/control-types.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

const CONNECTED = /Tunnel [0-9a-f-]{36} is connected/;
const WARNING =
  /^warning: --token is visible to every local user in the process list \(ps\); pass it with --token-file FILE or the TUNNEL_TOKEN environment variable instead$/m;

describe('warren tunnel run takes its token from a file or the environment, not only the command line', () => {
  let serve: ServeHandle;
  let origin: TestOrigin;
  let token: string;
  const dir = tempDir('warren-token-');
  const procs: Proc[] = [];

  /** `warren tunnel run` against serve, with the edge flags and `args`. */
  const run = (args: string[], env: NodeJS.ProcessEnv = {}): Proc => {
    const p = startCli(
      [
        'tunnel',
        'run',
        '--url',
        origin.url,
        '--edge',
        `127.0.0.1:${serve.tunnelPort}`,
        '--edge-ca',
        serve.caPath,
        '--loglevel',
        'warn',
        ...args,
      ],
      { env, cwd: dir },
    );
    procs.push(p);
    return p;
  };
  const result = async (p: Proc) => ({ code: await p.exited, stdout: p.stdout(), stderr: p.stderr() });

  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe({ env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN } });
    procs.push(serve);
    const api = apiClient(() => serve.apiBase);
    const account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
    const tunnel = (await api<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'by-file' })).result;
    token = (await api<string>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/token`)).result;
    assert.ok(token.length > 40);
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    await origin?.close();
  });

  test("--token-file connects; the connector's /proc/<pid>/cmdline does not hold the token, and nothing warns", async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const c = run(['--token-file', file]);
    await c.waitFor(CONNECTED);
    if (process.platform === 'linux') {
      const cmdline = readFileSync(`/proc/${c.child.pid}/cmdline`, 'utf8');
      assert.ok(cmdline.includes('--token-file'), cmdline);
      assert.ok(!cmdline.includes(token), 'the token is not in the process arguments');
      assert.ok(!cmdline.includes(token.slice(0, 20)), 'not even a part of it');
    }
    assert.doesNotMatch(c.stderr(), /warning/);
    await c.stop('SIGTERM');
  });

  test('TUNNEL_TOKEN (cloudflared) and WARREN_TUNNEL_TOKEN in the environment connect without a warning', async () => {
    for (const name of ['TUNNEL_TOKEN', 'WARREN_TUNNEL_TOKEN']) {
      const c = run([], { [name]: token });
      await c.waitFor(CONNECTED);
      assert.doesNotMatch(c.stderr(), /warning/, name);
      await c.stop('SIGTERM');
    }
  });

  test('--token on the command line still connects, with one warning line on stderr that does not show the token', async () => {
    const c = run(['--token', token]);
    await c.waitFor(CONNECTED);
    assert.match(c.stderr(), WARNING);
    assert.equal(
      c
        .stderr()
        .split('\n')
        .filter((l) => l.includes('--token')).length,
      1,
    );
    assert.ok(!c.stderr().includes(token));
    await c.stop('SIGTERM');
  });

  test('--token-file with a missing, empty or directory path fails with one line naming the file', async () => {
    const missing = join(dir, 'no-such-token');
    assert.match(
      oneLineError(await result(run(['--token-file', missing]))),
      new RegExp(
        `--token-file ${missing} does not exist; write the output of \`warren tunnel token <tunnel>\` into it.*WARREN_CONFIG_INVALID`,
      ),
    );
    const empty = join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    assert.match(
      oneLineError(await result(run(['--token-file', empty]))),
      new RegExp(`--token-file ${empty} is empty`),
    );
    assert.match(
      oneLineError(await result(run(['--token-file', dir]))),
      new RegExp(`--token-file ${dir} is a directory`),
    );
    assert.match(
      oneLineError(await result(run([], { TUNNEL_TOKEN_FILE: missing }))),
      new RegExp(`TUNNEL_TOKEN_FILE ${missing} does not exist`),
    );
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked-token');
      writeFileSync(locked, token, { mode: 0o000 });
      assert.match(
        oneLineError(await result(run(['--token-file', locked]))),
        new RegExp(`--token-file ${locked} cannot be read \\(permission denied\\)`),
      );
    }
  });

  test('--token and --token-file together are refused', async () => {
    const file = join(dir, 'token');
    const line = oneLineError(await result(run(['--token', token, '--token-file', file])));
    assert.match(line, /both --token and --token-file were given; pass only --token-file FILE/);
    assert.ok(!line.includes(token));
  });
});
