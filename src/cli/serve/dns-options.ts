import { isIP } from 'node:net';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DNS_RRL_RESPONSES_PER_SECOND } from '../../dns/response-rate-limiter.js';
import { intArg, logOptionsOf, withLogOptions, withStoreOptions } from '../cli-options.js';

/** commander parser for a repeatable IP address flag (v4 or v6). */
export const ipListArg =
  (flag: string) =>
  (v: string, previous: string[] | undefined): string[] => {
    const ip = v.replace(/^\[|\]$/g, '');
    if (isIP(ip) === 0) throw new InvalidArgumentError(`${flag} must be an IPv4 or IPv6 address (got "${v}")`);
    return [...(previous ?? []), ip];
  };

/** `--dns-port`, `--edge-address`, `--ns-address`: on `warren serve` and `warren dns`. */
export function withDnsAddressOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--dns-port <port>', 'authoritative DNS port (UDP and TCP)')
        .default(5353)
        .argParser(intArg('--dns-port', 0, 65535))
        .env('WARREN_DNS_PORT'),
    )
    .addOption(
      new Option(
        '--edge-address <ip>',
        'address proxied names and *.tunnel/*.cdn/*.quick/*.access answer with (repeatable, v4 and v6; default: --bind)',
      )
        .argParser(ipListArg('--edge-address'))
        .env('WARREN_EDGE_ADDRESS'),
    )
    .addOption(
      new Option('--ns-address <ip>', 'address ns1/ns2.<domain> answer with (repeatable; default: --bind)')
        .argParser(ipListArg('--ns-address'))
        .env('WARREN_NS_ADDRESS'),
    );
}

/** `warren dns`: the authoritative DNS server alone, against a shared database. */
export function registerDnsCommand(program: Command): void {
  withLogOptions(
    withDnsAddressOptions(
      withStoreOptions(
        program
          .command('dns')
          .description('run the authoritative DNS server alone (for zones on full setup) against a shared database'),
      )
        .addOption(new Option('--bind <addr>', 'address to listen on').default('127.0.0.1').env('WARREN_BIND'))
        .addOption(new Option('--domain <domain>', 'service domain').default('warren.localhost').env('WARREN_DOMAIN'))
        .addOption(
          new Option(
            '--rate-limit-per-prefix <n>',
            'UDP answers per second to one /24 (IPv4) or /56 (IPv6); 0 turns response-rate limiting off',
          )
            .default(DNS_RRL_RESPONSES_PER_SECOND)
            .argParser(intArg('--rate-limit-per-prefix', 0, 10_000_000))
            .env('WARREN_DNS_RATE_LIMIT_PER_PREFIX'),
        )
        .addOption(
          new Option('--metrics <host:port>', 'serve Prometheus /metrics here (queries by type, answers by rcode)').env(
            'WARREN_METRICS',
          ),
        ),
    ),
  ).action(async (f) => {
    const { runDns } = await import('./dns-command.js');
    await runDns({
      dataDir: f.dataDir,
      databaseUrl: f.databaseUrl,
      bind: f.bind,
      domain: f.domain,
      dnsPort: f.dnsPort,
      edgeAddresses: f.edgeAddress,
      nsAddresses: f.nsAddress,
      metrics: f.metrics,
      rateLimitPerPrefix: f.rateLimitPerPrefix,
      log: logOptionsOf(f),
    });
  });
}
