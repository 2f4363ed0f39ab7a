import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { oneLineError, runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

interface ZoneJson {
  id: string;
  name: string;
  status: string;
  type: string;
}

describe('warren zone add / list / check / delete against a real serve', { timeout: 120_000 }, () => {
  let serve: ServeHandle;
  let home: string;
  const env = () => ({ WARREN_API: serve.apiBase, WARREN_API_TOKEN: ADMIN_TOKEN });

  before(async () => {
    serve = await startServe({
      // Full zones wait for their delegation, so the command prints the name servers to set.
      args: ['--no-zone-auto-activate'],
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    home = tempDir();
  });
  after(async () => {
    await serve?.stop('SIGKILL');
  });

  test('zone add prints the name servers for a full zone and the TXT and CNAME lines for a partial one', async () => {
    const full = await runCli(home, ['zone', 'add', 'example.com'], env());
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /^Added zone example\.com \([0-9a-f-]+\), full setup, pending\.$/m);
    assert.match(full.stdout, /set its name servers to these/);
    assert.match(full.stdout, /^ {2}ns1\.warren\.localhost$/m);
    assert.match(full.stdout, /^ {2}ns2\.warren\.localhost$/m);
    assert.match(full.stdout, /warren zone check example\.com/);

    const partial = await runCli(home, ['zone', 'add', 'example.org', '--type', 'partial'], env());
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stdout, /partial setup, pending/);
    assert.match(partial.stdout, /^ {2}warren-verify\.example\.org\. TXT "warren-verify=[0-9a-f]+"$/m);
    assert.match(partial.stdout, /<host>\.example\.org\. CNAME <host>\.example\.org\.cdn\.warren\.localhost\./);
  });

  test('zone list prints a table, and -o json the API objects', async () => {
    const t = await runCli(home, ['zone', 'list'], env());
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^NAME\s+ID\s+STATUS\s+TYPE$/m);
    assert.match(t.stdout, /^example\.com\s+\S+\s+pending\s+full$/m);
    const j = await runCli(home, ['zone', 'list', '-o', 'json'], env());
    assert.equal(j.code, 0, j.stderr);
    const zones = JSON.parse(j.stdout) as ZoneJson[];
    assert.deepEqual(zones.map((z) => `${z.name} ${z.type} ${z.status}`).sort(), [
      'example.com full pending',
      'example.org partial pending',
    ]);
  });

  test('zone check asks now and says what is left; zone delete removes it', async () => {
    const c = await runCli(home, ['zone', 'check', 'example.com'], env());
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^Zone example\.com is pending\.$/m);
    assert.match(c.stdout, /ns1\.warren\.localhost and ns2\.warren\.localhost/);
    const d = await runCli(home, ['zone', 'delete', 'example.org'], env());
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Deleted zone example\.org /);
    const j = JSON.parse((await runCli(home, ['zone', 'list', '-o', 'json'], env())).stdout) as ZoneJson[];
    assert.deepEqual(
      j.map((z) => z.name),
      ['example.com'],
    );
  });

  test('one clear line when the zone is taken, unknown, or there are no credentials', async () => {
    assert.match(oneLineError(await runCli(home, ['zone', 'add', 'example.com'], env())), /already exists/);
    assert.match(oneLineError(await runCli(home, ['zone', 'delete', 'nope.test'], env())), /no zone named nope\.test/);
    const bare = tempDir();
    const none = oneLineError(await runCli(bare, ['zone', 'list'], { WARREN_API: serve.apiBase }));
    assert.match(none, /no API token and no cert\.pem: set WARREN_API_TOKEN/);
  });
});
