import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import type { TunnelResult } from './support/control-types.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startServe, startShellLine, tempDir } from './support/warren-processes.js';

const CONNECTED = /Tunnel [0-9a-f-]{36} is connected/;

/**
 * Issue 20 §3: every command warren prints runs as printed, from any directory. A connector run
 * with a temporary working directory and HOME finds no edge-ca.pem and no cert.pem: the token
 * (its `e` and `p`) or the printed flags must carry everything.
 */
describe('printed commands run as is from another directory', () => {
  let serve: ServeHandle;
  let origin: TestOrigin;
  let account: string;
  const procs: Proc[] = [];
  const elsewhere = (): NodeJS.ProcessEnv => ({ HOME: tempDir('warren-home-') });
  const api = apiClient(() => serve.apiBase);
  const run = (line: string): Proc => {
    const p = startShellLine(line, { cwd: tempDir('warren-cwd-'), env: elsewhere() });
    procs.push(p);
    return p;
  };

  before(async () => {
    origin = await startTestOrigin();
    // Non-default ports (all ephemeral), and serve's own HOME: nothing a connector could find by chance.
    serve = await startServe({
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN, ...elsewhere() },
    });
    procs.push(serve);
    account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    await origin?.close();
  });

  test("the serve banner's Try it: line, run verbatim, opens a quick tunnel", async () => {
    const [, line] = await serve.waitFor(/^Try it: (.+)$/m);
    assert.ok(line !== undefined);
    assert.match(line, /--edge 127\.0\.0\.1:\d+ --edge-ca \/\S+edge-ca\.pem$/);
    const c = run(line);
    const [, url] = await c.waitFor(/Your quick tunnel is ready: (http:\/\/\S+)/, { timeoutMs: 30_000 });
    // localhost:3000 has nothing listening: the edge reaches the connector, which answers 502.
    const host = new URL(url as string).hostname;
    assert.equal((await visit(serve.httpPort, host, '/')).status, 502);
  });

  test("the API's run command (token with the edge address and CA pin) serves a tunnel with no --edge or --edge-ca", async () => {
    const tunnel = (await api<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'printed' })).result;
    const { command, token } = (
      await api<{ command: string; token: string }>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/run_command`)
    ).result;
    assert.equal(command.endsWith(` tunnel run --token ${token}`), true, command);
    assert.doesNotMatch(command, /--edge/);
    const fields = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(fields).sort(), ['a', 'e', 'p', 's', 't']);
    assert.equal(fields.e, `127.0.0.1:${serve.tunnelPort}`);
    // The same token the cloudflared-shaped endpoint gives.
    assert.equal((await api<string>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/token`)).result, token);
    const c = run(`${command} --url ${origin.url} --loglevel warn`);
    await c.waitFor(CONNECTED, { timeoutMs: 30_000 });
  });

  test('a token whose pin names another CA is refused in one line, not retried', async () => {
    const tunnel = (await api<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'wrong-pin' })).result;
    const { command, token } = (
      await api<{ command: string; token: string }>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/run_command`)
    ).result;
    const fields = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, string>;
    fields.p = createHash('sha256').update('another CA').digest('base64');
    const forged = Buffer.from(JSON.stringify(fields)).toString('base64');
    const c = run(`${command.replace(token, forged)} --url ${origin.url}`);
    const code = await c.exited;
    assert.notEqual(code, 0);
    assert.match(c.stderr(), /does not match the edge CA pin of the tunnel token/);
    assert.match(c.stderr(), /WARREN_EDGE_UNTRUSTED/);
    assert.doesNotMatch(c.stdout(), CONNECTED);
  });
});
