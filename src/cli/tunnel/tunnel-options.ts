import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { type ConnectorConfig, emptyConnectorConfig } from '../../connector/config/connector-config.js';
import { DEFAULT_HA_CONNECTIONS } from '../../connector/config/connector-defaults.js';
import { durationArg, intArg, type LogFlags, logOptionsOf, withLogOptions } from '../cli-options.js';
import {
  ignoredFlagLines,
  inheritAncestorFlags,
  originFlagsOf,
  withCloudflaredOptions,
} from '../cloudflared/cloudflared-options.js';
import { registerIngressCommands } from './ingress-options.js';
import { registerTunnelManageCommands } from './tunnel-manage-options.js';

interface ConnectorFlags extends LogFlags {
  config?: string;
  url?: string;
  edge: string;
  edgeCa?: string;
  haConnections: number;
  metrics?: string;
  gracePeriod: number;
  connectTimeout: number;
  heartbeatInterval?: number;
  origincert?: string;
  pidfile?: string;
  retries?: number;
  tag?: string[];
  label?: string;
  edgeIpVersion?: '4' | '6' | 'auto';
  edgeBindAddress?: string;
  logDirectory?: string;
  transportLoglevel?: string;
  credentialsContents?: string;
}

/** config.yml keys that stand for connector flags (cloudflared lets any flag be a key), by option name. */
const CONFIG_FLAG_OPTIONS: Readonly<Record<string, keyof ConnectorFlags>> = {
  url: 'url',
  edge: 'edge',
  'edge-ca': 'edgeCa',
  'ha-connections': 'haConnections',
  metrics: 'metrics',
  'grace-period': 'gracePeriod',
  'connect-timeout': 'connectTimeout',
  'heartbeat-interval': 'heartbeatInterval',
  loglevel: 'loglevel',
  logfile: 'logfile',
  output: 'output',
  pidfile: 'pidfile',
  retries: 'retries',
  tag: 'tag',
  label: 'label',
  'edge-ip-version': 'edgeIpVersion',
  'edge-bind-address': 'edgeBindAddress',
  'log-directory': 'logDirectory',
  'transport-loglevel': 'transportLoglevel',
  'credentials-contents': 'credentialsContents',
};

/** Flags every connector command shares (quick tunnel and `tunnel run`), then cloudflared's others. */
function withConnectorOptions(cmd: Command, o: { run: boolean }): Command {
  return withCloudflaredOptions(withConnectorFlags(cmd), o);
}

function withConnectorFlags(cmd: Command): Command {
  // `--edge` more than once: the values are joined with commas (the connector splits them).
  let edgesGiven = 0;
  return withLogOptions(
    cmd
      .addOption(
        new Option('--config <file>', 'config.yml (default: ~/.warren/config.yml, /etc/warren/config.yml)').env(
          'WARREN_CONFIG',
        ),
      )
      .addOption(new Option('--url <url>', 'origin to expose, e.g. http://localhost:3000').env('WARREN_URL'))
      .addOption(
        new Option(
          '--edge <host:port>',
          'edge tunnel address; give it again (or an SRV name _warren._tcp.DOMAIN) to spread the links over several edges',
        )
          .default('127.0.0.1:7844')
          .env('WARREN_EDGE')
          .argParser((value: string, previous: string) => (edgesGiven++ === 0 ? value : `${previous},${value}`)),
      )
      .addOption(
        new Option(
          '--edge-ca <file>',
          "PEM of the edge's CA (default: $WARREN_DATA_DIR/edge-ca.pem, else ./.warren/edge-ca.pem, then ~/.warren/edge-ca.pem)",
        ).env('WARREN_EDGE_CA'),
      )
      .addOption(
        new Option('--ha-connections <n>', 'edge connections to keep open')
          .default(DEFAULT_HA_CONNECTIONS)
          .argParser(intArg('--ha-connections', 1, 16))
          .env('WARREN_HA_CONNECTIONS'),
      )
      .addOption(new Option('--metrics <host:port>', 'serve /metrics, /ready, /healthcheck here').env('WARREN_METRICS'))
      .addOption(
        new Option(
          '--grace-period <duration>',
          'how long in-flight requests may finish after SIGTERM or Ctrl-C (a second signal exits at once)',
        )
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
      )
      .addOption(
        new Option('--origincert <file>', 'cert.pem from `warren login` (default ~/.warren/cert.pem)').env(
          'WARREN_ORIGIN_CERT',
        ),
      ),
  );
}

/**
 * `--edge` left at its default (and not set in config.yml): the edge the tunnel token names (its
 * `e`), else the one cert.pem names, when there is one.
 */
async function edgeOf(cmd: Command, f: ConnectorFlags, configEdge: unknown, tokenEdge?: string): Promise<string> {
  if (cmd.getOptionValueSource('edge') !== 'default' || configEdge !== undefined) return f.edge;
  if (tokenEdge !== undefined) return tokenEdge;
  const { edgeFromOriginCert } = await import('./tunnel-manage-command.js');
  return (await edgeFromOriginCert(f.origincert)) ?? f.edge;
}

/**
 * Loads the config file and lets its flag keys fill every option the command line and
 * environment left at its default: flags > environment > config.yml > defaults.
 */
async function withConfigFile(cmd: Command, f: ConnectorFlags) {
  const { loadRunConfig } = await import('./tunnel-run-command.js');
  const config = loadRunConfig(f.config);
  const flags = f as unknown as Record<string, unknown>;
  // cloudflared's single-origin flags on the command line override the file's keys of the same name.
  const origin = originFlagsOf(cmd);
  // An origin chosen on the command line (--hello-world, --unix-socket) beats the file's `url:`.
  const originChosen = origin['hello-world'] === true || origin['unix-socket'] !== undefined;
  for (const [key, value] of Object.entries(config?.flags ?? {})) {
    const option = CONFIG_FLAG_OPTIONS[key];
    if (option === undefined) continue;
    if (option === 'url' && originChosen) continue;
    const source = cmd.getOptionValueSource(option);
    if (source === 'cli' || source === 'env') continue;
    // config.yml's `edge:` list is every edge, as repeated --edge flags are.
    flags[option] = Array.isArray(value) && option !== 'tag' ? (option === 'edge' ? value.join(',') : value[0]) : value;
  }
  if (Object.keys(origin).length === 0) return config;
  const base: ConnectorConfig = config ?? emptyConnectorConfig('the command line');
  const fileFlags = { ...base.flags };
  if (originChosen) delete fileFlags.url;
  return { ...base, flags: { ...fileFlags, ...origin } };
}

function connectorOptionsOf(cmd: Command, f: ConnectorFlags) {
  const timeoutSource = cmd.getOptionValueSource('connectTimeout');
  return {
    url: f.url,
    configPath: f.config,
    edge: f.edge,
    edgeCa: f.edgeCa,
    haConnections: f.haConnections,
    metrics: f.metrics,
    gracePeriodMs: f.gracePeriod,
    connectTimeoutMs: timeoutSource === 'default' || timeoutSource === undefined ? undefined : f.connectTimeout,
    heartbeatMs: f.heartbeatInterval,
    log: logOptionsOf({
      ...f,
      logfile: f.logfile ?? (f.logDirectory === undefined ? undefined : join(f.logDirectory, 'warren.log')),
    }),
    transportLoglevel: f.transportLoglevel,
    pidfile: f.pidfile,
    retries: f.retries,
    tags: tagsOf(f.tag),
    label: f.label,
    edgeIpVersion: f.edgeIpVersion,
    edgeBindAddress: f.edgeBindAddress,
  };
}

/** `--tag A=1 --tag B=2` as { A: '1', B: '2' } (parsers already checked the shape). */
function tagsOf(tags: readonly string[] | string | undefined): Record<string, string> {
  const list = typeof tags === 'string' ? [tags] : (tags ?? []);
  const out: Record<string, string> = {};
  for (const t of list) {
    const i = t.indexOf('=');
    if (i > 0) out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

/** `warren tunnel` (quick tunnel) and `warren tunnel run`; other subcommands attach to the returned command. */
export function registerTunnelCommand(program: Command): Command {
  const tunnel = withConnectorOptions(
    program
      .command('tunnel')
      .description('run a quick tunnel (--url), or manage named tunnels (subcommands)')
      .enablePositionalOptions(),
    { run: false },
  )
    .addOption(
      new Option('--hostname <hostname>', 'classic tunnel: serve --url at this hostname (uses cert.pem)').env(
        'WARREN_HOSTNAME',
      ),
    )
    .addOption(
      new Option('--name <name>', 'create (or reuse) this named tunnel, route --hostname to it and run it').env(
        'WARREN_TUNNEL_NAME',
      ),
    )
    .addOption(
      new Option('--overwrite-dns', 'with --name: replace existing records of --hostname')
        .default(false)
        .env('WARREN_OVERWRITE_DNS'),
    )
    .action(async (f: ConnectorFlags & { hostname?: string; name?: string; overwriteDns: boolean }, cmd: Command) => {
      const config = await withConfigFile(cmd, f);
      if (f.url === undefined && config?.flags['hello-world'] !== true) tunnel.help({ error: true });
      const { runTunnel } = await import('./tunnel-command.js');
      if (f.name !== undefined) {
        // cloudflared's ad hoc named tunnel: create, route and run in one line.
        const { adhocNamedTunnel } = await import('./tunnel-adhoc-command.js');
        const origincert = f.origincert ?? config?.originCert;
        const named = await adhocNamedTunnel({
          origincert,
          name: f.name,
          hostname: f.hostname,
          overwriteDns: f.overwriteDns,
        });
        const edge = await edgeOf(cmd, { ...f, origincert }, config?.flags.edge);
        await runTunnel({ ...connectorOptionsOf(cmd, f), edge, config, credentials: named });
        return;
      }
      if (f.hostname !== undefined) {
        // Classic tunnel: cert.pem registers the tunnel and its CNAME; the connector dials cert.pem's edge.
        const { registerClassicTunnel } = await import('./tunnel-manage-command.js');
        const classic = await registerClassicTunnel(f.origincert ?? config?.originCert, f.hostname);
        process.stdout.write(
          `${classic.cname === 'new' ? 'Added' : 'Kept'} CNAME ${classic.hostname} for tunnel ${classic.credentials.tunnelId}\n`,
        );
        const edge = cmd.getOptionValueSource('edge') === 'default' ? classic.edge : f.edge;
        await runTunnel({ ...connectorOptionsOf(cmd, f), edge, config, credentials: classic.credentials });
        return;
      }
      await runTunnel({ ...connectorOptionsOf(cmd, f), config, credentials: undefined });
    });

  withConnectorOptions(
    tunnel
      .command('run')
      .description(
        'run a named tunnel: by name or id, or with --token-file F (or TUNNEL_TOKEN), --token T or --credentials-file F',
      )
      .argument(
        '[tunnel]',
        'tunnel name or id: credentials from ~/.warren/<id>.json, else its token fetched with cert.pem (default: tunnel: in config.yml)',
      )
      .addOption(
        new Option(
          '--token <token>',
          'tunnel token from `warren tunnel token` (visible in `ps`: prefer --token-file or TUNNEL_TOKEN)',
        ).env('WARREN_TUNNEL_TOKEN'),
      )
      .addOption(
        new Option('--token-file <file>', 'file holding the tunnel token (also TUNNEL_TOKEN_FILE)').env(
          'WARREN_TUNNEL_TOKEN_FILE',
        ),
      )
      .addOption(new Option('--credentials-file <file>', 'tunnel credentials JSON').env('WARREN_TUNNEL_CRED_FILE')),
    { run: true },
  ).action(
    async (
      id: string | undefined,
      f: ConnectorFlags & {
        token?: string;
        tokenFile?: string;
        credentialsFile?: string;
      },
      cmd: Command,
    ) => {
      const config = await withConfigFile(cmd, f);
      const ref = id ?? config?.tunnel;
      const { tunnelTokenOf } = await import('./tunnel-run-command.js');
      const token = await tunnelTokenOf({
        token: { value: f.token, source: cmd.getOptionValueSource('token') },
        tokenFile: { value: f.tokenFile, source: cmd.getOptionValueSource('tokenFile') },
        env: process.env,
        config: { token: config?.flags.token, tokenFile: config?.flags['token-file'] },
        warn: (line) => process.stderr.write(`${line}\n`),
      });
      const credentialsFile = f.credentialsFile ?? config?.credentialsFile;
      const origincert = f.origincert ?? config?.originCert;
      let credentials: Awaited<ReturnType<typeof import('./tunnel-manage-command.js').credentialsByRef>>;
      const contents = f.credentialsContents;
      if (contents !== undefined && cmd.getOptionValueSource('credentialsContents') === 'cli') {
        process.stderr.write(
          'warning: --credentials-contents is visible to every local user in the process list (ps); pass it with TUNNEL_CRED_CONTENTS or --credentials-file FILE instead\n',
        );
      }
      if (token === undefined && contents === undefined && credentialsFile === undefined && ref !== undefined) {
        // By name or id: ~/.warren/<id>.json, else the token fetched with cert.pem.
        const { credentialsByRef } = await import('./tunnel-manage-command.js');
        credentials = await credentialsByRef(ref, origincert);
      } else {
        const { resolveRunCredentials } = await import('./tunnel-run-command.js');
        credentials = await resolveRunCredentials({ token, credentialsContents: contents, credentialsFile });
      }
      const edge = await edgeOf(cmd, { ...f, origincert }, config?.flags.edge, credentials.edge);
      const { runTunnel } = await import('./tunnel-command.js');
      await runTunnel({ ...connectorOptionsOf(cmd, f), edge, config, credentials });
    },
  );
  registerIngressCommands(tunnel);
  registerTunnelManageCommands(tunnel);
  // cloudflared lets `tunnel`'s flags precede the subcommand: `warren tunnel --no-autoupdate run`.
  tunnel.hook('preAction', (_tunnel, action) => {
    inheritAncestorFlags(action);
    for (const line of ignoredFlagLines(action)) process.stderr.write(`${line}\n`);
  });
  return tunnel;
}
