import { type Command, Option } from 'commander';
import { DEFAULT_HA_CONNECTIONS } from '../connector/index.js';
import { durationArg, intArg, logOptionsOf, withLogOptions } from './cli-options.js';

/** `warren tunnel` (quick tunnel) flags; subcommands (run, create, route, ingress …) attach to the returned command. */
export function registerTunnelCommand(program: Command): Command {
  const tunnel = withLogOptions(
    program
      .command('tunnel')
      .description('run a quick tunnel (--url), or manage named tunnels (subcommands)')
      .addOption(new Option('--url <url>', 'origin to expose, e.g. http://localhost:3000').env('WARREN_URL'))
      .addOption(new Option('--edge <host:port>', 'edge tunnel address').default('127.0.0.1:7844').env('WARREN_EDGE'))
      .addOption(new Option('--edge-ca <file>', "PEM of the edge's CA (<data-dir>/edge-ca.pem)").env('WARREN_EDGE_CA'))
      .addOption(
        new Option('--ha-connections <n>', 'edge connections to keep open')
          .default(DEFAULT_HA_CONNECTIONS)
          .argParser(intArg('--ha-connections', 1, 16))
          .env('WARREN_HA_CONNECTIONS'),
      )
      .addOption(new Option('--metrics <host:port>', 'serve /metrics, /ready, /healthcheck here').env('WARREN_METRICS'))
      .addOption(
        new Option('--grace-period <duration>', 'how long in-flight requests may finish after SIGTERM')
          .default(30_000, '30s')
          .argParser(durationArg('--grace-period'))
          .env('WARREN_GRACE_PERIOD'),
      )
      .addOption(
        new Option('--connect-timeout <duration>', 'TCP connect timeout to the origin')
          .default(30_000, '30s')
          .argParser(durationArg('--connect-timeout'))
          .env('WARREN_CONNECT_TIMEOUT'),
      )
      .addOption(
        new Option('--heartbeat-interval <duration>', 'ping interval on edge links')
          .argParser(durationArg('--heartbeat-interval'))
          .hideHelp(),
      ),
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
      log: logOptionsOf(f),
    });
  });
  return tunnel;
}
