import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, type ServeHandle, startServe, startShellLine, tempDir } from './support/warren-processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The README's named-tunnel walkthrough (the sh block after "From the command line"), line by
 * line, comments dropped. The browser `warren login` line is the one left out: its headless
 * twin, the next line, does the same.
 */
function walkthrough(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const at = readme.indexOf('From the command line, as with cloudflared');
  assert.ok(at > 0, 'the README has the walkthrough');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && l !== './bin/warren login');
}

describe("the README's named-tunnel walkthrough runs as written against a real serve", { timeout: 120_000 }, () => {
  let serve: ServeHandle;
  let origin: TestOrigin;
  let connector: Proc | undefined;
  const home = tempDir('warren-home-');

  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe({ env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN } });
  });
  after(async () => {
    await connector?.stop();
    await serve?.stop('SIGKILL');
    await origin?.close();
  });

  test('zone add, headless login, tunnel create, route dns, run, curl, list, info, delete', async () => {
    const lines = walkthrough();
    assert.ok(lines.length >= 8, lines.join('\n'));
    // Only the addresses differ from the README's: this serve listens on ephemeral ports.
    const local = (l: string) =>
      l
        .replaceAll('http://127.0.0.1:8081', serve.apiBase)
        .replaceAll('http://127.0.0.1:8080', serve.visitorBase)
        .replaceAll('http://localhost:3000', origin.url);
    const env = { HOME: home, TOKEN: ADMIN_TOKEN };
    for (const line of lines.map(local)) {
      if (/ tunnel run /.test(line)) {
        connector = startShellLine(line, { env, cwd: ROOT });
        const c = connector;
        await eventually(() => /Tunnel [0-9a-f-]{36} is connected/.test(c.stdout() + c.stderr()), 20_000, 'connected');
        continue;
      }
      const run = async () => {
        // `env`: sh's exec does not take the line's `VAR=value` prefix itself.
        const p = startShellLine(`env ${line}`, { env, cwd: ROOT });
        const code = await p.exited;
        assert.equal(code, 0, `${line}\n${p.stdout()}\n${p.stderr()}`);
        return p.stdout();
      };
      if (line.startsWith('curl ')) {
        // The edge learns the route from the store's change feed: a moment after the connector is up.
        await eventually(async () => (await run()) === 'hello, world\n', 10_000, 'the visitor reaches the app');
        continue;
      }
      const out = await run();
      if (line.includes(' tunnel list')) assert.match(out, /\bweb\b/);
    }
  });
});
