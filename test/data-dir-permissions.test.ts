import assert from 'node:assert/strict';
import { chmodSync, closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { type Proc, startServe, tempDir } from './support/warren-processes.js';

const mode = (path: string): number => statSync(path).mode & 0o777;
const ADMIN = {
  WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
  WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
  WARREN_ADMIN_PASSWORD: 'a long passphrase',
};

describe('data directory permissions', { skip: process.platform === 'win32' ? 'POSIX modes only' : false }, () => {
  const procs: Proc[] = [];
  after(async () => {
    for (const p of procs) await p.stop('SIGKILL');
  });

  test('serve creates the data directory 0700 and the database, its -wal and -shm, and every key 0600', async () => {
    const dataDir = join(tempDir(), 'not', 'yet', 'data');
    const serve = await startServe({ dataDir, env: ADMIN });
    procs.push(serve);
    assert.equal(mode(dataDir), 0o700);
    const files = readdirSync(dataDir).sort();
    for (const f of [
      'warren.db',
      'warren.db-wal',
      'warren.db-shm',
      'secret.key',
      // The edge CA key is no file any more: it is sealed in the database (issue 23 §9).
      'quick-tunnel.key',
    ]) {
      assert.ok(files.includes(f), `${f} is in ${files.join(', ')}`);
    }
    for (const f of files) {
      // The edge CA certificate is public (connectors pin it); everything else is the owner's only.
      if (f === 'edge-ca.pem') continue;
      assert.equal(mode(join(dataDir, f)).toString(8), '600', `${f} is 0600`);
    }
    assert.doesNotMatch(serve.stderr(), /data directory/);
    await serve.stop('SIGTERM');
  });

  test('serve warns in one line, with the chmod that fixes it, when the directory and database are readable by others', async () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    // An empty file is an empty SQLite database: as if made by a copy with a loose umask.
    closeSync(openSync(join(dataDir, 'warren.db'), 'w', 0o644));
    chmodSync(join(dataDir, 'warren.db'), 0o644);
    const serve = await startServe({ dataDir, env: ADMIN });
    procs.push(serve);
    const lines = serve
      .stderr()
      .split('\n')
      .filter((l) => l.includes('data directory'));
    assert.equal(lines.length, 1, serve.stderr());
    const line = lines[0] as string;
    assert.match(line, /WRN/);
    assert.ok(line.includes(`chmod 700 ${dataDir} && chmod 600 ${join(dataDir, 'warren.db')}`), line);
    assert.ok(line.includes(`${join(dataDir, 'warren.db-wal')}`), 'the -wal file inherits the loose mode and is named');
    assert.ok(!line.includes('edge-ca.pem '), 'the public CA certificate is not named');
    // Nothing is changed behind the operator's back.
    assert.equal(mode(dataDir), 0o755);
    await serve.stop('SIGTERM');
  });
});
