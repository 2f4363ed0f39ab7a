import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTunnelToken } from '../../connector/index.js';
import { WarrenError } from '../../errors/index.js';
import { SERVICE_MARKER, type ServiceKind, type ServiceSpec, serviceEnvFile, serviceUnit } from './service-unit.js';

export interface ServiceInstallOptions {
  serve: boolean;
  dryRun: boolean;
  /** Write the files only: no user, no systemctl (image builds, tests). */
  filesOnly: boolean;
  unitDir: string;
  envDir: string;
  user: string;
  config: string | undefined;
  /** TOKEN (connector only) and the extra arguments after `--`. */
  args: readonly string[];
}

export interface ServiceUninstallOptions {
  serve: boolean;
  filesOnly: boolean;
  unitDir: string;
  envDir: string;
}

/** Where the files of one kind go. */
function pathsOf(kind: ServiceKind, unitDir: string, envDir: string): { name: string; unit: string; env: string } {
  const name = kind === 'serve' ? 'warren-serve' : 'warren';
  return { name, unit: join(resolve(unitDir), `${name}.service`), env: join(resolve(envDir), `${name}.env`) };
}

const DEFAULT_CONFIG = '/etc/warren/config.yml';
/** A tunnel token is base64 (or base64url): nothing else may reach the EnvironmentFile, where a newline would add a variable. */
const TOKEN_CHARS = /^[A-Za-z0-9+/_=-]+$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

function needRoot(what: string): void {
  if (process.getuid?.() === 0) return;
  throw new WarrenError(
    'WARREN_SERVICE_NEEDS_ROOT',
    `warren service ${what} must run as root (it writes the unit and a root-only token file); run it with sudo, or add --dry-run to see the files`,
  );
}

/** The connector's token and extra arguments, or serve's extra arguments, from the install line. */
function specOf(o: ServiceInstallOptions): ServiceSpec {
  if (!USER_NAME.test(o.user)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--user "${o.user}" is not a valid system user name; write e.g. warren`,
    );
  }
  const kind: ServiceKind = o.serve ? 'serve' : 'tunnel';
  const p = pathsOf(kind, o.unitDir, o.envDir);
  let args = [...o.args];
  let token: string | undefined;
  let config: string | undefined;
  if (kind === 'tunnel') {
    const first = args[0];
    if (first !== undefined && !first.startsWith('-')) {
      token = first.trim();
      args = args.slice(1);
    } else if (process.env.TUNNEL_TOKEN !== undefined && process.env.TUNNEL_TOKEN !== '') {
      token = process.env.TUNNEL_TOKEN.trim();
    }
    if (token !== undefined) {
      if (!TOKEN_CHARS.test(token)) {
        throw new WarrenError(
          'WARREN_CONFIG_INVALID',
          'the TOKEN is not a tunnel token (it has characters no token has); copy it again from `warren tunnel token <tunnel>`',
        );
      }
      parseTunnelToken(token);
    } else {
      config = resolve(o.config ?? DEFAULT_CONFIG);
      if (!existsSync(config)) {
        throw new WarrenError(
          'WARREN_CONFIG_NOT_FOUND',
          `no TOKEN and no config file at ${config}; run \`warren service install <TOKEN>\` with the token from \`warren tunnel token <tunnel>\`, or pass --config FILE`,
        );
      }
    }
  }
  for (const a of args) {
    // One argument per line in ExecStart= is quoted; a newline would end the line and start a directive.
    if (/[\0\r\n]/.test(a)) throw new WarrenError('WARREN_CONFIG_INVALID', 'an argument after -- has a line break');
  }
  return {
    kind,
    name: p.name,
    user: o.user,
    node: process.execPath,
    script: realpathSync(process.argv[1] ?? ''),
    unitPath: p.unit,
    envPath: p.env,
    extraArgs: args,
    token,
    config,
  };
}

/** systemd manages services here (sd_booted(3): /run/systemd/system exists). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    throw new WarrenError(
      'WARREN_SERVICE_FAILED',
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`,
    );
  }
}

function ensureUser(user: string, home: string): void {
  if (spawnSync('getent', ['passwd', user], { stdio: 'ignore' }).status === 0) return;
  run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    home,
    '--shell',
    '/usr/sbin/nologin',
    user,
  ]);
  process.stdout.write(`Created the system user ${user}.\n`);
}

/**
 * Paths the unit cannot see: under a home directory (ProtectHome=yes) or under /tmp and /var/tmp
 * (PrivateTmp=yes gives the service an empty one). One line each, before the unit fails to start.
 */
export function hiddenPathLines(s: ServiceSpec): string[] {
  const lines: string[] = [];
  for (const p of [s.node, s.script, ...(s.config !== undefined ? [s.config] : [])]) {
    if (/^\/(home|root|run\/user)(\/|$)/.test(p)) {
      lines.push(
        `warren: ${p} is under a home directory, which the unit cannot see (ProtectHome=yes); install node and warren system-wide (npm install -g warren) and keep config.yml under /etc/warren`,
      );
    } else if (/^\/(var\/)?tmp(\/|$)/.test(p)) {
      lines.push(
        `warren: ${p} is under ${p.startsWith('/var/') ? '/var/tmp' : '/tmp'}, which the unit does not see (PrivateTmp=yes gives it an empty one); move it out of the temporary directory (e.g. npm install -g warren, config.yml under /etc/warren) and install again`,
      );
    }
  }
  return lines;
}

export function serviceInstall(o: ServiceInstallOptions): void {
  const s = specOf(o);
  const unit = serviceUnit(s);
  for (const line of hiddenPathLines(s)) process.stderr.write(`${line}\n`);
  if (o.dryRun) {
    process.stdout.write(`# ${s.unitPath}\n${unit}\n# ${s.envPath} (mode 0600)\n${serviceEnvFile(s, false)}`);
    return;
  }
  needRoot('install');
  for (const path of [s.unitPath, s.envPath]) {
    if (existsSync(path) && !readFileSync(path, 'utf8').startsWith(SERVICE_MARKER)) {
      throw new WarrenError(
        'WARREN_SERVICE_FOREIGN_FILE',
        `${path} exists and was not written by warren service install; move it away first`,
      );
    }
  }
  if (!o.filesOnly) ensureUser(s.user, `/var/lib/${s.name}`);
  mkdirSync(resolve(o.envDir), { recursive: true, mode: 0o755 });
  mkdirSync(resolve(o.unitDir), { recursive: true, mode: 0o755 });
  // 0600 from the first byte: the token is never readable by others, not even for an instant.
  rmSync(s.envPath, { force: true });
  writeFileSync(s.envPath, serviceEnvFile(s, true), { mode: 0o600, flag: 'wx' });
  writeFileSync(s.unitPath, unit, { mode: 0o644 });
  process.stdout.write(`Wrote ${s.unitPath}\nWrote ${s.envPath} (root only, 0600)\n`);
  const unitName = `${s.name}.service`;
  if (!o.filesOnly && systemdRunning()) {
    run('systemctl', ['daemon-reload']);
    run('systemctl', ['enable', '--now', unitName]);
    process.stdout.write(`${unitName} is enabled and started; follow it with: journalctl -u ${s.name} -f\n`);
  } else {
    process.stdout.write(
      `systemd is not managing services here, so nothing was started. On a systemd host:\n  systemctl daemon-reload && systemctl enable --now ${unitName}\n`,
    );
  }
}

export function serviceUninstall(o: ServiceUninstallOptions): void {
  needRoot('uninstall');
  const p = pathsOf(o.serve ? 'serve' : 'tunnel', o.unitDir, o.envDir);
  const ours = (path: string): boolean => existsSync(path) && readFileSync(path, 'utf8').startsWith(SERVICE_MARKER);
  if (!existsSync(p.unit) && !existsSync(p.env)) {
    process.stdout.write(`Nothing to remove: neither ${p.unit} nor ${p.env} exists.\n`);
    return;
  }
  for (const path of [p.unit, p.env]) {
    if (existsSync(path) && !ours(path)) {
      throw new WarrenError(
        'WARREN_SERVICE_FOREIGN_FILE',
        `${path} was not written by warren service install; it is left alone (remove it yourself if you mean to)`,
      );
    }
  }
  const unitName = `${p.name}.service`;
  if (!o.filesOnly && systemdRunning()) run('systemctl', ['disable', '--now', unitName]);
  for (const path of [p.unit, p.env]) {
    if (existsSync(path)) {
      rmSync(path);
      process.stdout.write(`Removed ${path}\n`);
    }
  }
  if (!o.filesOnly && systemdRunning()) run('systemctl', ['daemon-reload']);
  // The user and /var/lib/<name> stay: they may hold data (serve's database) the operator wants.
}
