import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ACCOUNT_NAME, MIN_TOKEN_LENGTH } from '../control/bootstrap.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../control/user-admin.js';
import { parseResolverAddress } from '../control/zone-verifier.js';
import { durationArg, intArg, logOptionsOf, withLogOptions } from './cli-options.js';

/** `warren serve` flags (DESIGN.md §2); the process itself lives in serve-command.ts. */
export function registerServeCommand(program: Command): void {
  withLogOptions(
    program
      .command('serve')
      .description('run edge + control API + dashboard in one process (SQLite in --data-dir)')
      .addOption(new Option('--data-dir <dir>', 'data directory').default('.warren').env('WARREN_DATA_DIR'))
      .addOption(new Option('--bind <addr>', 'address every listener binds').default('127.0.0.1').env('WARREN_BIND'))
      .addOption(
        new Option('--http-port <port>', 'visitor HTTP port')
          .default(8080)
          .argParser(intArg('--http-port', 0, 65535))
          .env('WARREN_HTTP_PORT'),
      )
      .addOption(
        new Option('--https-port <port>', 'visitor HTTPS port (listens when --https-cert and --https-key are given)')
          .default(8443)
          .argParser(intArg('--https-port', 0, 65535))
          .env('WARREN_HTTPS_PORT'),
      )
      .addOption(
        new Option(
          '--https-cert <file>',
          "visitor HTTPS certificate chain (PEM), e.g. a wildcard for your zones' hostnames",
        ).env('WARREN_HTTPS_CERT'),
      )
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
          'tunnel listener certificate chain (PEM) instead of one from the edge CA generated in --data-dir',
        ).env('WARREN_TLS_CERT'),
      )
      .addOption(new Option('--tls-key <file>', 'private key (PEM) of --tls-cert').env('WARREN_TLS_KEY'))
      .addOption(
        new Option('--api-port <port>', 'control API port')
          .default(8081)
          .argParser(intArg('--api-port', 0, 65535))
          .env('WARREN_API_PORT'),
      )
      .addOption(new Option('--domain <domain>', 'service domain').default('warren.localhost').env('WARREN_DOMAIN'))
      .addOption(
        new Option('--edge-name <name>', 'name in Cf-Ray ids and logs (default: host name)').env('WARREN_EDGE_NAME'),
      )
      .addOption(
        new Option('--quick-tunnels-per-minute <n>', 'quick tunnels one address may create per minute')
          .default(30)
          .argParser(intArg('--quick-tunnels-per-minute', 1, 1_000_000))
          .env('WARREN_QUICK_TUNNELS_PER_MINUTE'),
      )
      .addOption(
        new Option(
          '--database-url <url>',
          'PostgreSQL (postgres://user@host:port/db) instead of SQLite in --data-dir',
        ).env('WARREN_DATABASE_URL'),
      )
      .addOption(
        new Option('--max-tunnels-per-account <n>', 'concurrently running tunnels one account may have')
          .default(1000)
          .argParser(intArg('--max-tunnels-per-account', 1, 10_000_000))
          .env('WARREN_MAX_TUNNELS_PER_ACCOUNT'),
      )
      .addOption(
        new Option(
          '--classic-dns-cleanup-after <duration>',
          'delete DNS records of classic (--hostname) tunnels unregistered this long (default: a random point in 24h–48h)',
        )
          .argParser(durationArg('--classic-dns-cleanup-after'))
          .env('WARREN_CLASSIC_DNS_CLEANUP_AFTER'),
      )
      .addOption(
        new Option(
          '--verify-resolver <ip:port>',
          "DNS resolver for partial zones' TXT verification (default: the system's resolvers)",
        )
          .argParser((v: string) => {
            try {
              return parseResolverAddress(v);
            } catch (err) {
              throw new InvalidArgumentError((err as Error).message);
            }
          })
          .env('WARREN_VERIFY_RESOLVER'),
      )
      .addOption(
        new Option('--origin-response-timeout <duration>', 'how long the edge waits for a response head (then 504)')
          .default(100_000, '100s')
          .argParser(durationArg('--origin-response-timeout'))
          .env('WARREN_ORIGIN_RESPONSE_TIMEOUT'),
      ),
  )
    .addHelpText(
      'after',
      `
Environment (secrets are read from the environment only: flags would show in \`ps\`):
  WARREN_ADMIN_EMAIL, WARREN_ADMIN_TOKEN  make sure this super administrator exists (account "${DEFAULT_ACCOUNT_NAME}"),
                                          with this API token: at least ${MIN_TOKEN_LENGTH} characters, no spaces
                                          (e.g. $(openssl rand -hex 24)); set both or neither
  WARREN_ADMIN_PASSWORD                   their password for \`warren login\`: ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters
Without them, while no user exists, serve prints a one-time /setup link instead.`,
    )
    .action(async (f) => {
      const { serve } = await import('./serve-command.js');
      await serve({
        dataDir: f.dataDir,
        bind: f.bind,
        httpPort: f.httpPort,
        https: { port: f.httpsPort, cert: f.httpsCert, key: f.httpsKey },
        tunnelPort: f.tunnelPort,
        tunnelTls: { cert: f.tlsCert, key: f.tlsKey },
        apiPort: f.apiPort,
        domain: f.domain,
        edgeName: f.edgeName,
        quickTunnelsPerMinute: f.quickTunnelsPerMinute,
        originResponseTimeoutMs: f.originResponseTimeout,
        databaseUrl: f.databaseUrl,
        maxTunnelsPerAccount: f.maxTunnelsPerAccount,
        classicDnsCleanupAfterMs: f.classicDnsCleanupAfter,
        verifyResolver: f.verifyResolver,
        // Secrets come from the environment only, never from flags (they would show in `ps`).
        admin: {
          email: process.env.WARREN_ADMIN_EMAIL || undefined,
          token: process.env.WARREN_ADMIN_TOKEN || undefined,
          password: process.env.WARREN_ADMIN_PASSWORD || undefined,
        },
        log: logOptionsOf(f),
      });
    });
}
