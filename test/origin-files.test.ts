import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { loadOriginFiles, MAX_ORIGIN_FILE_BYTES, OriginProxy } from '../src/connector/index.js';
import { Ingress, IngressError, type UnvalidatedIngressRule } from '../src/connector/ingress/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-origin-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'fifo.pem');
execFileSync('mkfifo', [fifo]);
const big = join(dir, 'big.pem');
writeFileSync(big, Buffer.alloc(MAX_ORIGIN_FILE_BYTES + 1, 0x41));
const notPem = join(dir, 'not-pem.txt');
writeFileSync(notPem, 'hello\n');
const home = join(dir, 'home');
mkdirSync(home);

const withCaPool = (caPool: string): UnvalidatedIngressRule[] => [
  { hostname: 'a.example.com', service: 'https://localhost:1', originRequest: { caPool } },
  { service: 'http_status:404' },
];

const refusals: [string, string, RegExp][] = [
  ['a FIFO opens at once and is refused', fifo, /is a FIFO \(named pipe\); only regular files are read/],
  ['/dev/zero is refused before a byte is read', '/dev/zero', /is a character device; only regular files are read/],
  ['a directory is refused', dir, /is a directory; only regular files are read/],
  ['a file over the cap is refused', big, /is larger than 1024 KiB/],
  ['a missing file is named', join(dir, 'nope.pem'), /cannot be read \(ENOENT: no such file\)/],
  ['a file without a certificate is named', notPem, /holds no PEM certificate/],
  ['~ is the given home', '~/missing.pem', /"~\/missing\.pem" cannot be read \(ENOENT/],
];

for (const [what, path, problem] of refusals) {
  test(`origin-files: ${what}`, async () => {
    const ingress = Ingress.validate(withCaPool(path));
    assert.equal(ingress.filesLoaded, false);
    const started = Date.now();
    await assert.rejects(loadOriginFiles(ingress, { home }), (err: unknown) => {
      assert.ok(err instanceof IngressError);
      assert.equal(err.ruleNumber, 1);
      assert.ok(err.message.startsWith(`ingress rule #1: originRequest.caPool "${path}" `), err.message);
      assert.match(err.message, problem);
      return true;
    });
    assert.ok(Date.now() - started < 2_000, `${what}: ${Date.now() - started} ms`);
  });
}

test('origin-files: a caPool under ~ is read from the connector home; the global one is named as such', async () => {
  const tls = await loadOrCreateEdgeTls({ dataDir: join(dir, 'ca'), hostnames: [] });
  writeFileSync(join(home, 'ca.pem'), tls.caPem);
  const loaded = await loadOriginFiles(Ingress.validate(withCaPool('~/ca.pem')), { home });
  assert.equal(loaded.filesLoaded, true);
  assert.equal(loaded.rules[0]?.caPem, tls.caPem);
  await assert.rejects(
    loadOriginFiles(Ingress.validate([{ service: 'http_status:404' }], { caPool: '/dev/zero' })),
    /^IngressError: ingress: originRequest\.caPool "\/dev\/zero" is a character device/,
  );
});

test('origin-files: a unix socket under ~ becomes a path in the connector home', async () => {
  const ingress = Ingress.validate([{ service: 'unix:~/app.sock' }]);
  assert.equal(ingress.filesLoaded, false);
  const loaded = await loadOriginFiles(ingress, { home });
  assert.deepEqual(loaded.rules[0]?.service, { kind: 'unix', path: join(home, 'app.sock'), tls: false });
});

test('origin-files: an origin proxy refuses rules whose files were not read', () => {
  const logger = pino({ level: 'silent' });
  assert.throws(
    () => new OriginProxy({ ingress: Ingress.validate(withCaPool('/etc/ssl/ca.pem')), logger }),
    /not read; pass them through loadOriginFiles/,
  );
  // Rules naming no file need no loading.
  const proxy = new OriginProxy({ ingress: Ingress.validate([{ service: 'http_status:404' }]), logger });
  proxy.close();
});
