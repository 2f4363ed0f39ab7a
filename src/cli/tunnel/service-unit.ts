import { CONNECTOR_VERSION } from '../../connector/index.js';

/** The first line of every file `warren service install` writes: uninstall removes only files that start with it. */
export const SERVICE_MARKER = '# Written by `warren service install`';

/** What one unit runs: the connector (`warren tunnel run`) or the whole service (`warren serve`). */
export type ServiceKind = 'tunnel' | 'serve';

export interface ServiceSpec {
  kind: ServiceKind;
  /** `warren` for the connector, `warren-serve` for serve: the unit, state directory and env file names. */
  name: string;
  /** The dedicated system user (and group) the unit runs as. */
  user: string;
  /** Absolute path of node and of warren's CLI script. */
  node: string;
  script: string;
  /** Where the unit and the EnvironmentFile go. */
  unitPath: string;
  envPath: string;
  /** Extra arguments for the command (after `--` on the install line), already checked. */
  extraArgs: readonly string[];
  /** Connector: the tunnel token, which goes to the EnvironmentFile only. */
  token: string | undefined;
  /** Connector without a token: the config file it runs (`--config`). */
  config: string | undefined;
}

/** The connector's metrics address in the unit, so `warren tunnel diag` and `tunnel ready` find it without flags. */
export const SERVICE_METRICS = '127.0.0.1:20241';

/**
 * systemd splits ExecStart= on spaces and reads quotes, `\`, `%` and `$`: an argument with any of
 * them is quoted (and `%` doubled, `$` doubled) so it reaches warren as written.
 */
export function execArg(arg: string): string {
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The command line the unit runs, as an argv. */
export function serviceArgv(s: ServiceSpec): string[] {
  const command =
    s.kind === 'serve'
      ? ['serve', '--data-dir', `/var/lib/${s.name}`]
      : [
          'tunnel',
          '--no-autoupdate',
          '--metrics',
          SERVICE_METRICS,
          ...(s.config !== undefined ? ['--config', s.config] : []),
          'run',
        ];
  return [s.node, s.script, ...command, ...s.extraArgs];
}

/** The systemd unit. It never holds the token: that is in the root-only EnvironmentFile. */
export function serviceUnit(s: ServiceSpec): string {
  const serve = s.kind === 'serve';
  const lines = [
    `${SERVICE_MARKER} (warren ${CONNECTOR_VERSION}); remove it with \`warren service uninstall${serve ? ' --serve' : ''}\`.`,
    '[Unit]',
    serve ? 'Description=warren edge, control API and DNS (warren serve)' : 'Description=warren tunnel connector',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${s.user}`,
    `Group=${s.user}`,
    `EnvironmentFile=${s.envPath}`,
    // The connector looks for ~/.warren (edge-ca.pem, config.yml): the state directory is its home.
    `Environment=HOME=/var/lib/${s.name}`,
    `WorkingDirectory=/var/lib/${s.name}`,
    `ExecStart=${serviceArgv(s).map(execArg).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5s',
    // In-flight requests get warren's 30 s grace period before systemd kills.
    'TimeoutStopSec=45s',
    `StateDirectory=${s.name}`,
    'StateDirectoryMode=0700',
    `LogsDirectory=${s.name}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'UMask=0077',
    // serve binds 53, 80 and 443 as an unprivileged user; the connector needs no capability at all.
    ...(serve
      ? ['AmbientCapabilities=CAP_NET_BIND_SERVICE', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE']
      : ['CapabilityBoundingSet=']),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/**
 * The EnvironmentFile (0600, root): systemd reads it as root before dropping to the service user.
 * `showToken: false` for printing (dry run, messages): the token never reaches stdout.
 */
export function serviceEnvFile(s: ServiceSpec, showToken: boolean): string {
  const head = `${SERVICE_MARKER} (warren ${CONNECTOR_VERSION}): root-only (0600), read by systemd for ${s.name}.service.\n`;
  if (s.kind === 'serve') {
    return `${head}# Settings of warren serve as WARREN_* variables, e.g.:\n# WARREN_DATABASE_URL=postgres://warren@db/warren\n`;
  }
  if (s.token === undefined)
    return `${head}# The connector runs ${s.config ?? 'its config file'}; no token is needed.\n`;
  return `${head}TUNNEL_TOKEN=${showToken ? s.token : '<the token, not shown>'}\n`;
}
