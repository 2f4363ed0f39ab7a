import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, tempDir } from './support/warren-processes.js';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh(): string {
  const d = tempDir('warren-service-');
  dirs.push(d);
  return d;
}

const tokenOf = (): { token: string; secret: string } => {
  const secret = randomBytes(32).toString('base64');
  // Padded ("…="): base64 decoders stop there, so whatever follows would still decode to a valid token.
  let json = JSON.stringify({ a: 'acc-1', t: randomUUID(), s: secret });
  while (Buffer.from(json).length % 3 === 0) json += ' ';
  return { token: Buffer.from(json).toString('base64'), secret };
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function warren(args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, ...options.env },
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `--dry-run` output: "# <path>" then the file, for each file. */
function filesOf(out: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const part of out
    .split(/^# (\/\S+)(?: \(mode 0600\))?\n/m)
    .slice(1)
    .reduce<string[][]>((acc, x, i) => {
      if (i % 2 === 0) acc.push([x]);
      else (acc[acc.length - 1] as string[]).push(x);
      return acc;
    }, [])) {
    files.set(part[0] as string, part[1] as string);
  }
  return files;
}

const isRoot = process.getuid?.() === 0;

/**
 * Whether a user without any of the checkout's owner or group rights can reach the CLI: every
 * folder on its path must let others through (a checkout under `mktemp -d`, mode 0700, does not).
 */
function othersCanRun(file: string): boolean {
  for (let d = dirname(file); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

test('service-install-dry-run-prints-units-that-systemd-analyze-verify-accepts', (t) => {
  const { token, secret } = tokenOf();
  const connector = warren(['service', 'install', '--dry-run', token, '--', '--edge', 'edge.example.com:7844']);
  assert.equal(connector.code, 0, connector.stderr);
  const serve = warren(['service', 'install', '--dry-run', '--serve', '--', '--domain', 'tunnels.example.com']);
  assert.equal(serve.code, 0, serve.stderr);
  for (const out of [connector.stdout, serve.stdout]) {
    assert.ok(!out.includes(token) && !out.includes(secret), 'the token never reaches stdout');
  }
  const units = [
    filesOf(connector.stdout).get('/etc/systemd/system/warren.service'),
    filesOf(serve.stdout).get('/etc/systemd/system/warren-serve.service'),
  ];
  for (const unit of units) {
    assert.ok(unit !== undefined);
    for (const line of [
      'User=warren',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
    ]) {
      assert.ok(unit.split('\n').includes(line), `no ${line}`);
    }
    assert.match(unit, /^StateDirectory=warren(-serve)?$/m);
  }
  assert.match(units[0] ?? '', /^EnvironmentFile=\/etc\/warren\/warren\.env$/m);
  assert.match(
    units[0] ?? '',
    /^ExecStart=\S+ \S+main\.js tunnel --no-autoupdate --metrics 127\.0\.0\.1:20241 run --edge edge\.example\.com:7844$/m,
  );
  assert.match(
    units[1] ?? '',
    /^ExecStart=.* serve --data-dir \/var\/lib\/warren-serve --domain tunnels\.example\.com$/m,
  );
  if (!existsSync(SYSTEMD_ANALYZE)) {
    t.skip(`${SYSTEMD_ANALYZE} is missing (Debian's systemd package): the units were not verified`);
    return;
  }
  const dir = fresh();
  for (const [i, unit] of units.entries()) {
    const file = join(dir, i === 0 ? 'warren.service' : 'warren-serve.service');
    writeFileSync(file, unit ?? '');
    const v = spawnSync(SYSTEMD_ANALYZE, ['verify', file], { encoding: 'utf8', timeout: 30_000 });
    // verify exits 0 on unknown keys and bad values too; it warns on stderr.
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr.trim(), '', `systemd-analyze verify ${file}`);
  }
});

test('service-install-writes-exactly-the-unit-and-a-root-only-token-file-and-uninstall-removes-them', {
  skip: !isRoot && 'needs root (install refuses without it)',
}, () => {
  const { token, secret } = tokenOf();
  const base = fresh();
  const unitDir = join(base, 'systemd');
  const envDir = join(base, 'etc-warren');
  const where = ['--files-only', '--unit-dir', unitDir, '--env-dir', envDir];
  const r = warren(['service', 'install', ...where, token]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(unitDir), ['warren.service']);
  assert.deepEqual(readdirSync(envDir), ['warren.env']);
  const unitPath = join(unitDir, 'warren.service');
  const envPath = join(envDir, 'warren.env');
  assert.equal(statSync(unitPath).mode & 0o777, 0o644);
  assert.equal(statSync(envPath).mode & 0o777, 0o600);
  const unit = readFileSync(unitPath, 'utf8');
  assert.ok(!unit.includes(token) && !unit.includes(secret), 'no token in the unit');
  assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'no token on stdout or stderr');
  assert.match(unit, new RegExp(`^EnvironmentFile=${envPath}$`, 'm'));
  assert.match(readFileSync(envPath, 'utf8'), new RegExp(`^TUNNEL_TOKEN=${token.replaceAll('+', '\\+')}$`, 'm'));
  assert.match(r.stdout, /systemctl daemon-reload && systemctl enable --now warren\.service/);

  // Installing again replaces its own files.
  assert.equal(warren(['service', 'install', ...where, token]).code, 0);

  // A file of the operator's beside ours stays.
  writeFileSync(join(envDir, 'config.yml'), 'tunnel: x\n');
  const u = warren(['service', 'uninstall', ...where]);
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(readdirSync(unitDir), []);
  assert.deepEqual(readdirSync(envDir), ['config.yml']);
  assert.match(warren(['service', 'uninstall', ...where]).stdout, /Nothing to remove/);
});

test('service-uninstall-and-install-leave-a-unit-they-did-not-write-alone', { skip: !isRoot && 'needs root' }, () => {
  const base = fresh();
  const unitDir = join(base, 'systemd');
  mkdirSync(unitDir);
  const foreign = join(unitDir, 'warren.service');
  writeFileSync(foreign, '[Service]\nExecStart=/bin/true\n');
  const where = ['--files-only', '--unit-dir', unitDir, '--env-dir', join(base, 'env')];
  const u = warren(['service', 'uninstall', ...where]);
  assert.notEqual(u.code, 0);
  assert.match(u.stderr, /not written by warren service install.*WARREN_SERVICE_FOREIGN_FILE/);
  const i = warren(['service', 'install', ...where, tokenOf().token]);
  assert.notEqual(i.code, 0);
  assert.match(i.stderr, /WARREN_SERVICE_FOREIGN_FILE/);
  assert.equal(readFileSync(foreign, 'utf8'), '[Service]\nExecStart=/bin/true\n');
  assert.ok(!existsSync(join(base, 'env', 'warren.env')));
});

test('service-install-without-root-says-so-in-one-line-and-writes-nothing', {
  skip:
    (!isRoot && 'needs root to drop to another user') ||
    (!othersCanRun(CLI) && `an unprivileged user cannot reach ${CLI} (a folder on its path is closed to others)`),
}, () => {
  const base = fresh();
  const unitDir = join(base, 'systemd');
  const { token } = tokenOf();
  const r = warren(['service', 'install', '--unit-dir', unitDir, '--env-dir', join(base, 'env'), token], {
    uid: 65534,
  });
  assert.equal(r.code, 1);
  // A checkout under /tmp (a clone in mktemp -d) also draws the PrivateTmp warning line: not the error.
  const errorLines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/ is under \/(var\/)?tmp, which the unit does not see/.test(l));
  assert.equal(errorLines.length, 1, r.stderr);
  assert.match(r.stderr, /must run as root.*sudo.*--dry-run.*\[WARREN_SERVICE_NEEDS_ROOT\]/);
  assert.ok(!r.stderr.includes(token));
  assert.ok(!existsSync(unitDir));
  const u = warren(['service', 'uninstall', '--unit-dir', unitDir], { uid: 65534 });
  assert.equal(u.code, 1);
  assert.match(u.stderr, /WARREN_SERVICE_NEEDS_ROOT/);
  // --dry-run needs no root.
  const dry = warren(['service', 'install', '--dry-run', token], { uid: 65534 });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^\[Service\]$/m);
});

test('service-install-refuses-a-token-that-would-add-lines-to-the-environment-file', {
  skip: !isRoot && 'needs root',
}, () => {
  const base = fresh();
  const where = ['--files-only', '--unit-dir', join(base, 'u'), '--env-dir', join(base, 'e')];
  for (const bad of [`${tokenOf().token}\nLD_PRELOAD=/tmp/x.so`, 'not-a-token']) {
    const r = warren(['service', 'install', ...where, bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a tunnel token.*WARREN_CONFIG_INVALID/);
    assert.ok(!r.stderr.includes('LD_PRELOAD'));
  }
  const arg = warren(['service', 'install', ...where, tokenOf().token, '--', '--label', 'a\n[Service]']);
  assert.equal(arg.code, 1);
  assert.match(arg.stderr, /line break/);
  assert.ok(!existsSync(join(base, 'u')) && !existsSync(join(base, 'e')));
  // Without TOKEN and without a config file: a clear line saying what to pass.
  const none = warren(['service', 'install', ...where, '--config', join(base, 'missing.yml')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no TOKEN and no config file.*WARREN_CONFIG_NOT_FOUND/);
});

test('service-install-dry-run-names-a-path-under-tmp-that-PrivateTmp-hides (issue 20)', () => {
  // tempDir is under /tmp: a config.yml there is invisible to a unit with PrivateTmp=yes.
  const d = fresh();
  const config = join(d, 'config.yml');
  writeFileSync(config, 'tunnel: x\n');
  const r = warren(['service', 'install', '--dry-run', '--config', config]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PrivateTmp=yes/);
  const lines = r.stderr.split('\n').filter((l) => l.includes(config));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', /PrivateTmp=yes.*move it out of the temporary directory/);
});
