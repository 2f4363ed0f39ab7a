import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TUNNEL_PORT_LIMITS } from '../../edge/registration/tunnel-port-defaults.js';
import { intArg, logOptionsOf, withLogOptions, withStoreOptions } from '../cli-options.js';
import { defaultWorkers } from './edge-workers.js';
import { adminFromEnvironment, envOption, intOption, serverFlags } from './server-flags.js';

/** `--workers N` of `warren edge` and `warren serve`. */
export function workersOption(defaultText: string): Option {
  return new Option(
    '--workers <n>',
    `edge processes sharing the visitor and tunnel ports, each an edge <name>-i of the cluster; 1: this process alone (${defaultText})`,
  )
    .argParser(intArg('--workers', 1, 64))
    .env('WARREN_WORKERS');
}

/** `--name`: the Cf-Ray suffix and `colo_name`, one DNS label. */
function edgeNameArg(v: string): string {
  const name = v.trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new InvalidArgumentError(`--name "${v}" must be one DNS label (a-z, 0-9 and -, at most 63), e.g. fra1`);
  }
  return name;
}

function requirePostgres(cmd: Command, url: string | undefined): string {
  if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
    cmd.error(
      `warren ${cmd.name()}: --database-url postgres://… is required: every edge and control process of a split deployment shares one PostgreSQL (\`warren serve\` runs everything in one process on SQLite)`,
    );
  }
  return url;
}

/** `warren edge` and `warren control`: the two halves of `warren serve`, as separate processes (issue 23). */
export function registerSplitCommands(program: Command): void {
  withLogOptions(
    withStoreOptions(program.command('edge'))
      .description('run one edge (visitor and tunnel listeners) of a deployment sharing one PostgreSQL')
      .addOption(
        new Option('--name <name>', 'this edge: Cf-Ray suffix and colo_name')
          .argParser(edgeNameArg)
          .makeOptionMandatory()
          .env('WARREN_EDGE_NAME'),
      )
      .addOption(serverFlags.bind('address the listeners bind'))
      .addOption(serverFlags.httpPort())
      .addOption(serverFlags.httpsPort('visitor HTTPS port'))
      .addOption(serverFlags.httpsCert('visitor HTTPS certificate chain (PEM)'))
      .addOption(serverFlags.httpsKey())
      .addOption(serverFlags.tunnelPort())
      .addOption(serverFlags.tlsCert('tunnel listener certificate chain (PEM) instead of one from the shared edge CA'))
      .addOption(serverFlags.tlsKey())
      .addOption(
        intOption(
          '--peer-port <port>',
          'edge-to-edge listener port (0: any free port; other edges find it in the database)',
          0,
          0,
          65535,
        ),
      )
      .addOption(
        envOption(
          '--peer-host <host>',
          'address other edges dial for the edge-to-edge listener (default: --bind, or 127.0.0.1 for a wildcard)',
        ),
      )
      .addOption(serverFlags.domain())
      .addOption(serverFlags.maxTunnelsPerAccount())
      .addOption(serverFlags.quickTunnelsPerMinute())
      .addOption(serverFlags.originResponseTimeout())
      .addOption(serverFlags.requestBodyIdleTimeout('how long a request body may send nothing (then 408)'))
      .addOption(serverFlags.smtpUrl('SMTP server for Access one-time PIN mail'))
      .addOption(serverFlags.smtpFrom('From address of one-time PIN mail'))
      .addOption(envOption('--allow-private-idp-addresses', 'let OIDC identity providers live on private addresses'))
      .addOption(workersOption(`default: one per core, at most 8 (here ${defaultWorkers()})`)),
  ).action(async (f, cmd: Command) => {
    const databaseUrl = requirePostgres(cmd, f.databaseUrl);
    const workers = (f.workers as number | undefined) ?? defaultWorkers();
    if (workers > 1 && `${f.name}-${workers}`.length > 63) {
      cmd.error(
        `warren edge: --name "${f.name}" is too long for --workers ${workers}: worker i is named <name>-i, one DNS label of at most 63 characters; pass a shorter --name`,
      );
    }
    const { runEdge } = await import('./edge-command.js');
    await runEdge({
      dataDir: f.dataDir,
      databaseUrl,
      edgeName: f.name,
      bind: f.bind,
      httpPort: f.httpPort,
      https: { port: f.httpsPort, cert: f.httpsCert, key: f.httpsKey },
      tunnelPort: f.tunnelPort,
      tunnelTls: { cert: f.tlsCert, key: f.tlsKey },
      tunnelLimits: DEFAULT_TUNNEL_PORT_LIMITS,
      peerPort: f.peerPort,
      peerHost: f.peerHost,
      domain: f.domain,
      maxTunnelsPerAccount: f.maxTunnelsPerAccount,
      quickTunnelsPerMinute: f.quickTunnelsPerMinute,
      originResponseTimeoutMs: f.originResponseTimeout,
      requestBodyIdleTimeoutMs: f.requestBodyIdleTimeout,
      smtp: { url: f.smtpUrl, from: f.smtpFrom },
      allowPrivateIdpAddresses: f.allowPrivateIdpAddresses === true,
      workers,
      log: logOptionsOf(f),
    });
  });

  withLogOptions(
    withStoreOptions(program.command('control'))
      .description('run the API, the dashboard and the background jobs of a deployment sharing one PostgreSQL')
      .addOption(serverFlags.bind('address the API binds'))
      .addOption(serverFlags.apiPort())
      .addOption(
        envOption(
          '--edge <host:port>',
          'the tunnel address connectors dial (written into cert.pem and tunnel tokens)',
        ).default('127.0.0.1:7844'),
      )
      .addOption(serverFlags.domain())
      .addOption(serverFlags.maxTunnelsPerAccount())
      .addOption(serverFlags.classicDnsCleanupAfter('delete DNS records of classic tunnels unregistered this long'))
      .addOption(
        envOption(
          '--zone-auto-activate',
          'full zones are active on creation (default: on when --bind is loopback only, as serve)',
        ),
      )
      .addOption(serverFlags.pendingZoneExpiryDays('days a pending zone reserves its name'))
      .addOption(serverFlags.smtpUrl('SMTP server for invitations'))
      .addOption(serverFlags.smtpFrom('From address of invitations')),
  ).action(async (f, cmd: Command) => {
    const databaseUrl = requirePostgres(cmd, f.databaseUrl);
    const { runControl } = await import('./control-command.js');
    await runControl({
      dataDir: f.dataDir,
      databaseUrl,
      bind: f.bind,
      apiPort: f.apiPort,
      edgeAddress: f.edge,
      domain: f.domain,
      maxTunnelsPerAccount: f.maxTunnelsPerAccount,
      classicDnsCleanupAfterMs: f.classicDnsCleanupAfter,
      zoneAutoActivate: f.zoneAutoActivate as boolean | undefined,
      pendingZoneExpiryDays: f.pendingZoneExpiryDays,
      smtp: { url: f.smtpUrl, from: f.smtpFrom },
      admin: adminFromEnvironment(),
      log: logOptionsOf(f),
    });
  });
}
