import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PENDING_ZONE_EXPIRY_DAYS } from '../../control/jobs/pending-zone-expiry.js';
import { DEFAULT_TUNNEL_PORT_LIMITS } from '../../edge/index.js';
import { durationArg, intArg, logOptionsOf, withLogOptions, withStoreOptions } from '../cli-options.js';
import { defaultWorkers } from './edge-workers.js';

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
      .addOption(new Option('--bind <addr>', 'address the listeners bind').default('127.0.0.1').env('WARREN_BIND'))
      .addOption(
        new Option('--http-port <port>', 'visitor HTTP port')
          .default(8080)
          .argParser(intArg('--http-port', 0, 65535))
          .env('WARREN_HTTP_PORT'),
      )
      .addOption(
        new Option('--https-port <port>', 'visitor HTTPS port')
          .default(8443)
          .argParser(intArg('--https-port', 0, 65535))
          .env('WARREN_HTTPS_PORT'),
      )
      .addOption(new Option('--https-cert <file>', 'visitor HTTPS certificate chain (PEM)').env('WARREN_HTTPS_CERT'))
      .addOption(new Option('--https-key <file>', 'private key (PEM) of --https-cert').env('WARREN_HTTPS_KEY'))
      .addOption(
        new Option('--tunnel-port <port>', 'tunnel (TLS) port')
          .default(7844)
          .argParser(intArg('--tunnel-port', 0, 65535))
          .env('WARREN_TUNNEL_PORT'),
      )
      .addOption(
        new Option(
          '--tls-cert <file>',
          'tunnel listener certificate chain (PEM) instead of one from the shared edge CA',
        ).env('WARREN_TLS_CERT'),
      )
      .addOption(new Option('--tls-key <file>', 'private key (PEM) of --tls-cert').env('WARREN_TLS_KEY'))
      .addOption(
        new Option(
          '--peer-port <port>',
          'edge-to-edge listener port (0: any free port; other edges find it in the database)',
        )
          .default(0)
          .argParser(intArg('--peer-port', 0, 65535))
          .env('WARREN_PEER_PORT'),
      )
      .addOption(
        new Option(
          '--peer-host <host>',
          'address other edges dial for the edge-to-edge listener (default: --bind, or 127.0.0.1 for a wildcard)',
        ).env('WARREN_PEER_HOST'),
      )
      .addOption(new Option('--domain <domain>', 'service domain').default('warren.localhost').env('WARREN_DOMAIN'))
      .addOption(
        new Option('--max-tunnels-per-account <n>', 'concurrently running tunnels one account may have')
          .default(1000)
          .argParser(intArg('--max-tunnels-per-account', 1, 10_000_000))
          .env('WARREN_MAX_TUNNELS_PER_ACCOUNT'),
      )
      .addOption(
        new Option('--quick-tunnels-per-minute <n>', 'quick tunnels one address may create per minute')
          .default(30)
          .argParser(intArg('--quick-tunnels-per-minute', 1, 1_000_000))
          .env('WARREN_QUICK_TUNNELS_PER_MINUTE'),
      )
      .addOption(
        new Option('--origin-response-timeout <duration>', 'how long the edge waits for a response head (then 504)')
          .default(100_000, '100s')
          .argParser(durationArg('--origin-response-timeout'))
          .env('WARREN_ORIGIN_RESPONSE_TIMEOUT'),
      )
      .addOption(
        new Option('--request-body-idle-timeout <duration>', 'how long a request body may send nothing (then 408)')
          .default(100_000, '100s')
          .argParser(durationArg('--request-body-idle-timeout'))
          .env('WARREN_REQUEST_BODY_IDLE_TIMEOUT'),
      )
      .addOption(new Option('--smtp-url <url>', 'SMTP server for Access one-time PIN mail').env('WARREN_SMTP_URL'))
      .addOption(new Option('--smtp-from <address>', 'From address of one-time PIN mail').env('WARREN_SMTP_FROM'))
      .addOption(
        new Option('--allow-private-idp-addresses', 'let OIDC identity providers live on private addresses').env(
          'WARREN_ALLOW_PRIVATE_IDP_ADDRESSES',
        ),
      )
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
      .addOption(new Option('--bind <addr>', 'address the API binds').default('127.0.0.1').env('WARREN_BIND'))
      .addOption(
        new Option('--api-port <port>', 'control API port')
          .default(8081)
          .argParser(intArg('--api-port', 0, 65535))
          .env('WARREN_API_PORT'),
      )
      .addOption(
        new Option('--edge <host:port>', 'the tunnel address connectors dial (written into cert.pem and tunnel tokens)')
          .default('127.0.0.1:7844')
          .env('WARREN_EDGE'),
      )
      .addOption(new Option('--domain <domain>', 'service domain').default('warren.localhost').env('WARREN_DOMAIN'))
      .addOption(
        new Option('--max-tunnels-per-account <n>', 'concurrently running tunnels one account may have')
          .default(1000)
          .argParser(intArg('--max-tunnels-per-account', 1, 10_000_000))
          .env('WARREN_MAX_TUNNELS_PER_ACCOUNT'),
      )
      .addOption(
        new Option(
          '--classic-dns-cleanup-after <duration>',
          'delete DNS records of classic tunnels unregistered this long',
        )
          .argParser(durationArg('--classic-dns-cleanup-after'))
          .env('WARREN_CLASSIC_DNS_CLEANUP_AFTER'),
      )
      .addOption(
        new Option(
          '--zone-auto-activate',
          'full zones are active on creation (default: on when --bind is loopback only, as serve)',
        ).env('WARREN_ZONE_AUTO_ACTIVATE'),
      )
      .addOption(
        new Option('--pending-zone-expiry-days <n>', 'days a pending zone reserves its name')
          .default(DEFAULT_PENDING_ZONE_EXPIRY_DAYS)
          .argParser(intArg('--pending-zone-expiry-days', 1, 3650))
          .env('WARREN_PENDING_ZONE_EXPIRY_DAYS'),
      )
      .addOption(new Option('--smtp-url <url>', 'SMTP server for invitations').env('WARREN_SMTP_URL'))
      .addOption(new Option('--smtp-from <address>', 'From address of invitations').env('WARREN_SMTP_FROM')),
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
      admin: {
        email: process.env.WARREN_ADMIN_EMAIL || undefined,
        token: process.env.WARREN_ADMIN_TOKEN || undefined,
        password: process.env.WARREN_ADMIN_PASSWORD || undefined,
      },
      log: logOptionsOf(f),
    });
  });
}
