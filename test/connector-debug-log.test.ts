import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

let serve: ServeHandle;
let origin: TestOrigin;
const procs: Proc[] = [];

before(async () => {
  origin = await startTestOrigin();
  serve = await startServe({ dataDir: tempDir('warren-debug-log-') });
  procs.push(serve);
});
after(async () => {
  for (const p of procs.reverse()) await p.stop('SIGKILL');
  await origin?.close();
});

test('connector --loglevel debug logs each request with its rule (issue 20)', { timeout: 60_000 }, async () => {
  const edge = `127.0.0.1:${serve.tunnelPort}`;
  const p = startCli(['tunnel', '--loglevel', 'debug', '--url', origin.url, '--edge', edge, '--edge-ca', serve.caPath]);
  procs.push(p);
  const [, host] = await p.waitFor(/quick tunnel is ready: https?:\/\/([^:/\s]+)/, { timeoutMs: 20_000 });
  const r = await visit(serve.httpPort, host as string, '/echo/debug-probe');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'hello, world\n', "the origin's answer");
  const line = async (from: 'stdout' | 'stderr') =>
    p.waitFor(/GET \/echo\/debug-probe → rule #1/, { from, timeoutMs: 10_000 });
  await Promise.any([line('stdout'), line('stderr')]);
});
