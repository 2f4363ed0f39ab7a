import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_ACCOUNT_NAME,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_TOKEN_LENGTH,
} from '../../control/identity/bootstrap.js';
import { parseResolverAddress } from '../../control/zones/resolver-address.js';
import {
  DEFAULT_MAX_LINKS_PER_TUNNEL,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  DEFAULT_MAX_QUICK_LINKS,
  DEFAULT_MAX_QUICK_LINKS_PER_SOURCE,
  HANDSHAKE_TIMEOUT_MS,
} from '../../edge/registration/tunnel-port-defaults.js';
import { durationArg, intArg, logOptionsOf, withLogOptions } from '../cli-options.js';
import { withDnsAddressOptions } from './dns-options.js';
import { workersOption } from './edge-options.js';
import { defaultWorkers } from './edge-workers.js';
import { adminFromEnvironment, serverFlags } from './server-flags.js';

/** `true`/`false` (also `1`/`0`, `yes`/`no`); a bare flag is true. */
function boolArg(flag: string): (value: string | undefined) => boolean {
  return (value) => {
    const v = (value ?? 'true').trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    throw new InvalidArgumentError(`${flag} takes true or false (got "${value}")`);
  };
}

/** `warren serve` flags (DESIGN.md §2); the process itself lives in serve-command.ts. */
export function registerServeCommand(program: Command): void {
  withLogOptions(
    withDnsAddressOptions(program.command('serve'))
      .description('run edge + control API + dashboard in one process (SQLite in --data-dir)')
      .addOption(new Option('--data-dir <dir>', 'data directory').default('.warren').env('WARREN_DATA_DIR'))
      .addOption(serverFlags.bind('address every listener binds'))
      .addOption(serverFlags.httpPort())
      .addOption(serverFlags.httpsPort('visitor HTTPS port (listens when --https-cert and --https-key are given)'))
      .addOption(
        serverFlags.httpsCert("visitor HTTPS certificate chain (PEM), e.g. a wildcard for your zones' hostnames"),
      )
      .addOption(serverFlags.httpsKey())
      .addOption(
        new Option(
          '--acme-email <address>',
          'obtain certificates by ACME for every hostname served (HTTP-01 on the visitor HTTP port); the ACME account e-mail',
        ).env('WARREN_ACME_EMAIL'),
      )
      .addOption(
        new Option(
          '--acme-directory <url>',
          "ACME directory URL (default with --acme-email: Let's Encrypt production)",
        ).env('WARREN_ACME_DIRECTORY'),
      )
      .addOption(serverFlags.tunnelPort())
      .addOption(
        new Option(
          '--tunnel-handshake-timeout <duration>',
          'close a tunnel-port connection that has not registered this long after TCP accept (TLS included)',
        )
          .default(HANDSHAKE_TIMEOUT_MS, '10s')
          .argParser((v: string) => {
            const ms = Math.round(durationArg('--tunnel-handshake-timeout')(v));
            if (ms < 1) throw new InvalidArgumentError('--tunnel-handshake-timeout must be at least 1ms, e.g. 10s');
            return ms;
          })
          .env('WARREN_TUNNEL_HANDSHAKE_TIMEOUT'),
      )
      .addOption(
        new Option('--tunnel-max-pending <n>', 'tunnel-port connections not yet registered, all sources together')
          .default(DEFAULT_MAX_PENDING_HANDSHAKES)
          .argParser(intArg('--tunnel-max-pending', 1, 1_000_000))
          .env('WARREN_TUNNEL_MAX_PENDING'),
      )
      .addOption(
        new Option(
          '--tunnel-max-pending-per-source <n>',
          'tunnel-port connections not yet registered from one address (IPv6: one /64)',
        )
          .default(DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE)
          .argParser(intArg('--tunnel-max-pending-per-source', 1, 1_000_000))
          .env('WARREN_TUNNEL_MAX_PENDING_PER_SOURCE'),
      )
      .addOption(
        new Option(
          '--tunnel-max-links-per-tunnel <n>',
          'registered connections of one tunnel on this edge (its replicas × their HA connections)',
        )
          .default(DEFAULT_MAX_LINKS_PER_TUNNEL)
          .argParser(intArg('--tunnel-max-links-per-tunnel', 1, 1_000_000))
          .env('WARREN_TUNNEL_MAX_LINKS_PER_TUNNEL'),
      )
      .addOption(
        new Option(
          '--quick-tunnel-max-links-per-source <n>',
          'registered quick-tunnel connections from one address (IPv6: one /64); named tunnels are bounded by their account',
        )
          .default(DEFAULT_MAX_QUICK_LINKS_PER_SOURCE)
          .argParser(intArg('--quick-tunnel-max-links-per-source', 1, 1_000_000))
          .env('WARREN_QUICK_TUNNEL_MAX_LINKS_PER_SOURCE'),
      )
      .addOption(
        new Option('--quick-tunnel-max-links <n>', 'registered quick-tunnel connections on this edge, all addresses')
          .default(DEFAULT_MAX_QUICK_LINKS)
          .argParser(intArg('--quick-tunnel-max-links', 1, 10_000_000))
          .env('WARREN_QUICK_TUNNEL_MAX_LINKS'),
      )
      .addOption(
        // Gone: it counted registered links per address, which refused fleets behind one NAT. Still
        // accepted so that deployments which set it keep starting; serve says it is ignored.
        new Option('--tunnel-max-connections-per-source <n>', 'no longer applies (ignored)')
          .argParser(intArg('--tunnel-max-connections-per-source', 1, 1_000_000))
          .env('WARREN_TUNNEL_MAX_CONNECTIONS_PER_SOURCE')
          .hideHelp(),
      )
      .addOption(
        serverFlags.tlsCert(
          'tunnel listener certificate chain (PEM) instead of one from the edge CA generated in --data-dir',
        ),
      )
      .addOption(serverFlags.tlsKey())
      .addOption(serverFlags.apiPort())
      .addOption(serverFlags.domain())
      .addOption(
        new Option('--edge-name <name>', 'name in Cf-Ray ids and logs (default: host name)').env('WARREN_EDGE_NAME'),
      )
      .addOption(
        workersOption(
          `default: 1 on SQLite; with --database-url postgres://… one per core, at most 8 (here ${defaultWorkers()})`,
        ),
      )
      .addOption(serverFlags.quickTunnelsPerMinute())
      .addOption(
        new Option(
          '--database-url <url>',
          'PostgreSQL (postgres://user@host:port/db) instead of SQLite in --data-dir',
        ).env('WARREN_DATABASE_URL'),
      )
      .addOption(serverFlags.maxTunnelsPerAccount())
      .addOption(
        serverFlags.classicDnsCleanupAfter(
          'delete DNS records of classic (--hostname) tunnels unregistered this long (default: a random point in 24h–48h)',
        ),
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
        new Option(
          '--zone-auto-activate [bool]',
          'full zones are active on creation, without their NS activation check (default: on when --bind is loopback only)',
        )
          .argParser(boolArg('--zone-auto-activate'))
          .env('WARREN_ZONE_AUTO_ACTIVATE'),
      )
      .addOption(new Option('--no-zone-auto-activate', 'full zones wait for PUT /zones/{id}/activation_check'))
      .addOption(
        serverFlags.pendingZoneExpiryDays(
          'a pending zone reserves its name this many days after it became pending, then it is removed (as Cloudflare)',
        ),
      )
      .addOption(
        new Option(
          '--allow-private-idp-addresses [bool]',
          'let OIDC identity providers live on loopback, private and link-local addresses (off: the server never fetches a tenant-given URL there)',
        )
          .default(false)
          .argParser(boolArg('--allow-private-idp-addresses'))
          .env('WARREN_ALLOW_PRIVATE_IDP_ADDRESSES'),
      )
      .addOption(serverFlags.originResponseTimeout())
      .addOption(
        serverFlags.smtpUrl(
          'SMTP server for Access one-time PIN mail, smtp://[user:pass@]host:port or smtps://… (prefer the environment variable: a password in a flag shows in ps)',
        ),
      )
      .addOption(serverFlags.smtpFrom('From address of one-time PIN mail (default: access@<domain>)'))
      .addOption(
        serverFlags.requestBodyIdleTimeout(
          'how long a visitor request body may send nothing (then 408, and the origin request is cancelled)',
        ),
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
    .action(async (f, cmd: Command) => {
      const onPostgres = typeof f.databaseUrl === 'string' && /^postgres(ql)?:\/\//.test(f.databaseUrl);
      const workers = (f.workers as number | undefined) ?? (onPostgres ? defaultWorkers() : 1);
      if (workers > 1 && !onPostgres) {
        cmd.error(
          `warren serve: --workers ${workers} needs --database-url postgres://…: the workers are separate processes that share tunnels, logins and changes through PostgreSQL, and SQLite in --data-dir serves one process; pass --database-url, or --workers 1`,
        );
      }
      const { serve } = await import('./serve-command.js');
      await serve({
        dataDir: f.dataDir,
        bind: f.bind,
        httpPort: f.httpPort,
        https: { port: f.httpsPort, cert: f.httpsCert, key: f.httpsKey },
        acme: { email: f.acmeEmail, directory: f.acmeDirectory },
        tunnelPort: f.tunnelPort,
        tunnelTls: { cert: f.tlsCert, key: f.tlsKey },
        apiPort: f.apiPort,
        domain: f.domain,
        edgeName: f.edgeName,
        workers,
        quickTunnelsPerMinute: f.quickTunnelsPerMinute,
        originResponseTimeoutMs: f.originResponseTimeout,
        databaseUrl: f.databaseUrl,
        maxTunnelsPerAccount: f.maxTunnelsPerAccount,
        classicDnsCleanupAfterMs: f.classicDnsCleanupAfter,
        verifyResolver: f.verifyResolver,
        zoneAutoActivate: f.zoneAutoActivate as boolean | undefined,
        pendingZoneExpiryDays: f.pendingZoneExpiryDays,
        allowPrivateIdpAddresses: f.allowPrivateIdpAddresses === true,
        requestBodyIdleTimeoutMs: f.requestBodyIdleTimeout,
        smtp: { url: f.smtpUrl, from: f.smtpFrom },
        tunnelLimits: {
          handshakeTimeoutMs: f.tunnelHandshakeTimeout,
          maxPendingHandshakes: f.tunnelMaxPending,
          maxPendingHandshakesPerSource: f.tunnelMaxPendingPerSource,
          maxLinksPerTunnel: f.tunnelMaxLinksPerTunnel,
          maxQuickLinksPerSource: f.quickTunnelMaxLinksPerSource,
          maxQuickLinks: f.quickTunnelMaxLinks,
        },
        ignoredFlags:
          f.tunnelMaxConnectionsPerSource === undefined
            ? []
            : [
                '--tunnel-max-connections-per-source (WARREN_TUNNEL_MAX_CONNECTIONS_PER_SOURCE) no longer applies: ' +
                  'registered links are bounded by their account (--max-tunnels-per-account × --tunnel-max-links-per-tunnel), ' +
                  'quick tunnels by --quick-tunnel-max-links-per-source, handshakes by --tunnel-max-pending-per-source; ignoring it',
              ],
        dns: {
          port: f.dnsPort,
          // The default port may be taken (an mDNS responder on 5353): then serve runs without DNS.
          portIsDefault: cmd.getOptionValueSource('dnsPort') === 'default',
          edgeAddresses: f.edgeAddress,
          nsAddresses: f.nsAddress,
        },
        admin: adminFromEnvironment(),
        log: logOptionsOf(f),
      });
    });
}
