import { Option } from 'commander';
import { DEFAULT_PENDING_ZONE_EXPIRY_DAYS } from '../../control/jobs/job-defaults.js';
import { durationArg, intArg } from '../cli-options.js';

/**
 * The flags `warren serve`, `warren edge` and `warren control` share, each written once: its
 * parser, default and environment variable (WARREN_ and the flag's name, e.g. --http-port:
 * WARREN_HTTP_PORT). A command passes its own help text where its meaning differs.
 */

/** `--http-port <port>` → `WARREN_HTTP_PORT`. */
export function envNameOf(flags: string): string {
  const name = /^--([a-z0-9-]+)/.exec(flags)?.[1] ?? flags;
  return `WARREN_${name.replaceAll('-', '_').toUpperCase()}`;
}

/** A flag also read from the environment. */
export function envOption(flags: string, help: string): Option {
  return new Option(flags, help).env(envNameOf(flags));
}

/** An integer flag in [min, max] with a default. */
export function intOption(flags: string, help: string, fallback: number, min: number, max: number): Option {
  const flag = flags.split(' ')[0] ?? flags;
  return envOption(flags, help)
    .default(fallback)
    .argParser(intArg(flag, min, max));
}

/** A duration flag (30s, 500ms, 1m), in milliseconds; `fallback` undefined: none. */
export function durationOption(flags: string, help: string, fallback?: { ms: number; shown: string }): Option {
  const flag = flags.split(' ')[0] ?? flags;
  const o = envOption(flags, help).argParser(durationArg(flag));
  return fallback === undefined ? o : o.default(fallback.ms, fallback.shown);
}

export const serverFlags = {
  bind: (help: string) => envOption('--bind <addr>', help).default('127.0.0.1'),
  httpPort: () => intOption('--http-port <port>', 'visitor HTTP port', 8080, 0, 65535),
  httpsPort: (help: string) => intOption('--https-port <port>', help, 8443, 0, 65535),
  httpsCert: (help: string) => envOption('--https-cert <file>', help),
  httpsKey: () => envOption('--https-key <file>', 'private key (PEM) of --https-cert'),
  tunnelPort: () => intOption('--tunnel-port <port>', 'tunnel (TLS) port', 7844, 0, 65535),
  tlsCert: (help: string) => envOption('--tls-cert <file>', help),
  tlsKey: () => envOption('--tls-key <file>', 'private key (PEM) of --tls-cert'),
  apiPort: () => intOption('--api-port <port>', 'control API port', 8081, 0, 65535),
  domain: () => envOption('--domain <domain>', 'service domain').default('warren.localhost'),
  maxTunnelsPerAccount: () =>
    intOption(
      '--max-tunnels-per-account <n>',
      'concurrently running tunnels one account may have',
      1000,
      1,
      10_000_000,
    ),
  quickTunnelsPerMinute: () =>
    intOption('--quick-tunnels-per-minute <n>', 'quick tunnels one address may create per minute', 30, 1, 1_000_000),
  originResponseTimeout: () =>
    durationOption('--origin-response-timeout <duration>', 'how long the edge waits for a response head (then 504)', {
      ms: 100_000,
      shown: '100s',
    }),
  requestBodyIdleTimeout: (help: string) =>
    durationOption('--request-body-idle-timeout <duration>', help, { ms: 100_000, shown: '100s' }),
  classicDnsCleanupAfter: (help: string) => durationOption('--classic-dns-cleanup-after <duration>', help),
  pendingZoneExpiryDays: (help: string) =>
    intOption('--pending-zone-expiry-days <n>', help, DEFAULT_PENDING_ZONE_EXPIRY_DAYS, 1, 3650),
  smtpUrl: (help: string) => envOption('--smtp-url <url>', help),
  smtpFrom: (help: string) => envOption('--smtp-from <address>', help),
};

/** The super administrator `serve` and `control` make sure of: from the environment only (flags would show in `ps`). */
export function adminFromEnvironment(): {
  email: string | undefined;
  token: string | undefined;
  password: string | undefined;
} {
  return {
    email: process.env.WARREN_ADMIN_EMAIL || undefined,
    token: process.env.WARREN_ADMIN_TOKEN || undefined,
    password: process.env.WARREN_ADMIN_PASSWORD || undefined,
  };
}
