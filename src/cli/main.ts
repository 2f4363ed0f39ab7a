import { Command, InvalidArgumentError, Option } from 'commander';
import { WarrenError } from '../errors/index.js';
import { CONNECTOR_VERSION, DEFAULT_HA_CONNECTIONS } from '../connector/index.js';
import { parseDuration } from './duration.js';

const int = (flag: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
  return n;
};
const duration = (flag: string) => (v: string) => {
  try {
    return parseDuration(v, flag);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const logOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--loglevel <level>', 'fatal, error, warn, info, debug').default('info').env('WARREN_LOGLEVEL'))
    .addOption(new Option('--logfile <file>', 'append logs to this file instead of stderr').env('WARREN_LOGFILE'))
    .addOption(new Option('--output <format>', 'log format').choices(['text', 'json']).default('text').env('WARREN_OUTPUT'));

interface LogFlags {
  loglevel: string;
  logfile?: string;
  output: 'text' | 'json';
}
const logOf = (f: LogFlags) => ({ level: f.loglevel, output: f.output, file: f.logfile });

const program = new Command('warren')
  .description('Self-hosted tunnels with Access in front: edge, connector and control plane')
  .version(CONNECTOR_VERSION)
  .showHelpAfterError('(run with --help for usage)');

logOptions(
  program
    .command('serve')
    .description('run edge + control API + dashboard in one process (SQLite in --data-dir)')
    .addOption(new Option('--data-dir <dir>', 'data directory').default('.warren').env('WARREN_DATA_DIR'))
    .addOption(new Option('--bind <addr>', 'address every listener binds').default('127.0.0.1').env('WARREN_BIND'))
    .addOption(new Option('--http-port <port>', 'visitor HTTP port').default(8080).argParser(int('--http-port', 0, 65535)).env('WARREN_HTTP_PORT'))
    .addOption(new Option('--tunnel-port <port>', 'tunnel (TLS) port').default(7844).argParser(int('--tunnel-port', 0, 65535)).env('WARREN_TUNNEL_PORT'))
    .addOption(new Option('--api-port <port>', 'control API port').default(8081).argParser(int('--api-port', 0, 65535)).env('WARREN_API_PORT'))
    .addOption(new Option('--domain <domain>', 'service domain').default('warren.localhost').env('WARREN_DOMAIN'))
    .addOption(new Option('--edge-name <name>', 'name in Cf-Ray ids and logs (default: host name)').env('WARREN_EDGE_NAME'))
    .addOption(
      new Option('--quick-tunnels-per-minute <n>', 'quick tunnels one address may create per minute')
        .default(30)
        .argParser(int('--quick-tunnels-per-minute', 1, 1_000_000))
        .env('WARREN_QUICK_TUNNELS_PER_MINUTE'),
    )
    .addOption(
      new Option('--origin-response-timeout <duration>', 'how long the edge waits for a response head (then 504)')
        .default(100_000, '100s')
        .argParser(duration('--origin-response-timeout'))
        .env('WARREN_ORIGIN_RESPONSE_TIMEOUT'),
    ),
).action(async (f) => {
  const { serve } = await import('./serve-command.js');
  await serve({
    dataDir: f.dataDir,
    bind: f.bind,
    httpPort: f.httpPort,
    tunnelPort: f.tunnelPort,
    apiPort: f.apiPort,
    domain: f.domain,
    edgeName: f.edgeName,
    quickTunnelsPerMinute: f.quickTunnelsPerMinute,
    originResponseTimeout: f.originResponseTimeout / 1000,
    log: logOf(f),
  });
});

const tunnel = logOptions(
  program
    .command('tunnel')
    .description('run a quick tunnel (--url), or manage named tunnels (subcommands)')
    .addOption(new Option('--url <url>', 'origin to expose, e.g. http://localhost:3000').env('WARREN_URL'))
    .addOption(new Option('--edge <host:port>', 'edge tunnel address').default('127.0.0.1:7844').env('WARREN_EDGE'))
    .addOption(new Option('--edge-ca <file>', "PEM of the edge's CA (<data-dir>/edge-ca.pem)").env('WARREN_EDGE_CA'))
    .addOption(
      new Option('--ha-connections <n>', 'edge connections to keep open')
        .default(DEFAULT_HA_CONNECTIONS)
        .argParser(int('--ha-connections', 1, 16))
        .env('WARREN_HA_CONNECTIONS'),
    )
    .addOption(new Option('--metrics <host:port>', 'serve /metrics, /ready, /healthcheck here').env('WARREN_METRICS'))
    .addOption(
      new Option('--grace-period <duration>', 'how long in-flight requests may finish after SIGTERM')
        .default(30_000, '30s')
        .argParser(duration('--grace-period'))
        .env('WARREN_GRACE_PERIOD'),
    )
    .addOption(
      new Option('--connect-timeout <duration>', 'TCP connect timeout to the origin')
        .default(30_000, '30s')
        .argParser(duration('--connect-timeout'))
        .env('WARREN_CONNECT_TIMEOUT'),
    )
    .addOption(new Option('--heartbeat-interval <duration>', 'ping interval on edge links').argParser(duration('--heartbeat-interval')).hideHelp()),
).action(async (f) => {
  if (f.url === undefined) {
    tunnel.help({ error: true });
  }
  const { runQuickTunnel } = await import('./tunnel-command.js');
  await runQuickTunnel({
    url: f.url,
    edge: f.edge,
    edgeCa: f.edgeCa,
    haConnections: f.haConnections,
    metrics: f.metrics,
    gracePeriodMs: f.gracePeriod,
    connectTimeoutMs: f.connectTimeout,
    heartbeatMs: f.heartbeatInterval,
    log: logOf(f),
  });
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof WarrenError) {
    process.stderr.write(`warren: ${err.message} [${err.code}]\n`);
  } else {
    process.stderr.write(`warren: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}
