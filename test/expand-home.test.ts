import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expandPathArgs, expandPathEnv, PATH_ENV, PATH_FLAGS } from '../src/cli/path-args.js';
import { expandHome, parseConfig } from '../src/connector/config/index.js';
import { loadOriginFiles } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';

const HOME = homedir();
const dir = mkdtempSync(join(tmpdir(), 'warren-tilde-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('expand-home: ~ and ~/ are the home directory; other paths stay; ~user is refused naming the option', () => {
  assert.equal(expandHome('~', '--x', '/home/me'), '/home/me');
  assert.equal(expandHome('~/', '--x', '/home/me'), '/home/me');
  assert.equal(expandHome('~/.warren/cert.pem', '--x', '/home/me'), '/home/me/.warren/cert.pem');
  assert.equal(expandHome('/etc/warren/cert.pem', '--x', '/home/me'), '/etc/warren/cert.pem');
  assert.equal(expandHome('relative/~/x', '--x', '/home/me'), 'relative/~/x');
  assert.throws(
    () => expandHome('~bob/x', '--origincert', '/home/me'),
    /^WarrenError: --origincert "~bob\/x" names another user's home \(~user\), which is not expanded; write the full path, or ~\/… for the home of the user running warren$/,
  );
});

// [config.yml key, where the parsed value lands]
const CONFIG_KEYS: [string, (c: ReturnType<typeof parseConfig>) => unknown][] = [
  ['credentials-file', (c) => c.credentialsFile],
  ['origincert', (c) => c.originCert],
  ['logfile', (c) => c.flags.logfile],
  ['log-directory', (c) => c.flags['log-directory']],
  ['pidfile', (c) => c.flags.pidfile],
  ['edge-ca', (c) => c.flags['edge-ca']],
  ['token-file', (c) => c.flags['token-file']],
  ['origin-ca-pool', (c) => c.flags['origin-ca-pool']],
  ['unix-socket', (c) => c.flags['unix-socket']],
];

for (const [key, value] of CONFIG_KEYS) {
  test(`expand-home: config.yml ${key}: ~/… is expanded, ~user/… refused with the line`, () => {
    assert.equal(value(parseConfig(`${key}: ~/sub/file\n`, 'config.yml')), join(HOME, 'sub/file'));
    assert.equal(value(parseConfig(`${key}: /abs/file\n`, 'config.yml')), '/abs/file');
    assert.throws(
      () => parseConfig(`tunnel: x\n${key}: ~bob/file\n`, 'config.yml'),
      new RegExp(`^WarrenError: config\\.yml:2: ${key}: "~bob/file" names another user's home \\(~user\\)`),
    );
  });
}

for (const flag of PATH_FLAGS) {
  test(`expand-home: --${flag}=~/…, --${flag} ~/… and -${flag} ~/… are expanded; ~user refused`, () => {
    assert.deepEqual(expandPathArgs([`--${flag}=~/a`, `--${flag}`, '~/b', `-${flag}`, '~', '--url', '~/c'], '/h'), [
      `--${flag}=/h/a`,
      `--${flag}`,
      '/h/b',
      `-${flag}`,
      '/h',
      '--url',
      '~/c',
    ]);
    assert.throws(() => expandPathArgs([`--${flag}=~bob/a`], '/h'), new RegExp(`--${flag} "~bob/a" names another`));
  });
}

test('expand-home: arguments after -- and values of other flags are left alone', () => {
  assert.deepEqual(expandPathArgs(['access', 'curl', '--', '--config', '~/x'], '/h'), [
    'access',
    'curl',
    '--',
    '--config',
    '~/x',
  ]);
});

for (const name of PATH_ENV) {
  test(`expand-home: ${name}=~/… is expanded; ~user refused naming it`, () => {
    const env: NodeJS.ProcessEnv = { [name]: '~/a', OTHER: '~/b' };
    expandPathEnv(env, '/h');
    assert.deepEqual(env, { [name]: '/h/a', OTHER: '~/b' });
    assert.throws(() => expandPathEnv({ [name]: '~bob/a' }, '/h'), new RegExp(`^WarrenError: ${name} "~bob/a"`));
  });
}

test('expand-home: originRequest caPool, tlsClientCert, tlsClientKey and unix: sockets are read under the connector home', async () => {
  const home = join(dir, 'connector-home');
  mkdirSync(home);
  const tls = await loadOrCreateEdgeTls({ dataDir: join(dir, 'pki'), hostnames: ['localhost'] });
  writeFileSync(join(home, 'ca.pem'), tls.caPem);
  writeFileSync(join(home, 'client.pem'), tls.certPem);
  writeFileSync(join(home, 'client-key.pem'), tls.keyPem);
  const ingress = Ingress.validate([
    {
      hostname: 'a.example.com',
      service: 'unix:~/app.sock',
      originRequest: { caPool: '~/ca.pem', tlsClientCert: '~/client.pem', tlsClientKey: '~/client-key.pem' },
    },
    { service: 'http_status:404' },
  ]);
  // Validation (the control plane's part) keeps them as written.
  assert.equal(ingress.rules[0]?.originRequest.caPool, '~/ca.pem');
  const loaded = await loadOriginFiles(ingress, { home });
  const rule = loaded.rules[0];
  assert.equal(rule?.caPem, tls.caPem);
  assert.deepEqual(rule?.clientCert, { cert: tls.certPem, key: tls.keyPem });
  assert.deepEqual(rule?.service, { kind: 'unix', path: join(home, 'app.sock'), tls: false });
  assert.throws(
    () => Ingress.validate([{ service: 'http_status:404', originRequest: { tlsClientKey: '~bob/k.pem' } }]),
    /originRequest\.tlsClientKey "~bob\/k\.pem" names another user's home/,
  );
});
