import { type Command, Option } from 'commander';
import { WarrenError } from '../../errors/index.js';
import { durationArg } from '../cli-options.js';
import type { Resolve } from './access-http-client.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function resolveOption(): Option {
  return new Option(
    '--resolve <host:port:address>',
    "connect to this address for this name and port, as curl's --resolve (repeatable; also passed to curl)",
  ).argParser(collect);
}

async function target(raw: string, resolveSpecs: string[] | undefined) {
  const { parseResolve } = await import('./access-http-client.js');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `"${raw}" is not a URL; give the application's address, e.g. https://app.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WarrenError('WARREN_CONFIG_INVALID', `${url.protocol} URLs are not supported; use https:// (or http://)`);
  }
  const resolve: Resolve[] = (resolveSpecs ?? []).map(parseResolve);
  return { url, resolve };
}

/** --service-token-id and --service-token-secret (or TUNNEL_SERVICE_TOKEN_ID and _SECRET), then --no-browser. */
function withServiceTokenOptions(c: Command): Command {
  return c
    .addOption(
      new Option('--service-token-id <id>', 'send this service token (CF-Access-Client-Id) instead of logging in').env(
        'TUNNEL_SERVICE_TOKEN_ID',
      ),
    )
    .addOption(
      new Option(
        '--service-token-secret <secret>',
        'the service token secret (prefer the environment variable: the command line shows in ps)',
      ).env('TUNNEL_SERVICE_TOKEN_SECRET'),
    )
    .addOption(new Option('--no-browser', 'only print the login URL to open'));
}

/** The service token the flags name: both halves, or neither (then the command logs in). */
function serviceTokenOf(f: {
  serviceTokenId?: string | undefined;
  serviceTokenSecret?: string | undefined;
}): { id: string; secret: string } | undefined {
  if (f.serviceTokenId !== undefined && f.serviceTokenSecret !== undefined) {
    return { id: f.serviceTokenId, secret: f.serviceTokenSecret };
  }
  if (f.serviceTokenId === undefined && f.serviceTokenSecret === undefined) return undefined;
  throw new WarrenError(
    'WARREN_CONFIG_INVALID',
    'a service token needs both --service-token-id and --service-token-secret (or TUNNEL_SERVICE_TOKEN_ID and _SECRET)',
  );
}

/** `warren access login|curl|token|tcp`: the client side of Access (cloudflared's `access` commands). */
export function registerAccessCommand(program: Command): void {
  const access = program
    .command('access')
    .description('use applications behind Access from the command line: log in, curl, print the token');

  access
    .command('login')
    .description(
      'log in to the Access application at URL in a browser and cache its token under ~/.warren/access/ (0600)',
    )
    .argument('<url>', 'the application URL, e.g. https://app.example.com')
    .addOption(new Option('--no-browser', 'only print the URL to open'))
    .addOption(resolveOption())
    .action(async (url: string, f: { browser: boolean; resolve?: string[] }) => {
      const { accessLogin } = await import('./access-command.js');
      await accessLogin(await target(url, f.resolve), f.browser);
    });

  withServiceTokenOptions(
    access
      .command('curl')
      .description('run curl against URL with the Access token (logs in first when none is cached) or a service token')
      .argument('<url>', 'the application URL')
      .argument('[curl-args...]', 'passed to curl as they are'),
  )
    .addOption(resolveOption())
    .allowUnknownOption()
    .passThroughOptions()
    .action(
      async (
        url: string,
        curlArgs: string[],
        f: { serviceTokenId?: string; serviceTokenSecret?: string; browser: boolean; resolve?: string[] },
        cmd: Command,
      ) => {
        const serviceToken = serviceTokenOf(f);
        if (cmd.getOptionValueSource('serviceTokenSecret') === 'cli') {
          process.stderr.write(
            'warren: --service-token-secret on the command line shows in ps; prefer TUNNEL_SERVICE_TOKEN_SECRET\n',
          );
        }
        const { accessCurl } = await import('./access-command.js');
        process.exitCode = await accessCurl(await target(url, f.resolve), curlArgs, {
          serviceToken,
          browser: f.browser,
        });
      },
    );

  access
    .command('token')
    .description('print the cached Access token of the application at URL (exits 1 when there is none or it expired)')
    .requiredOption('--app <url>', 'the application URL')
    .addOption(resolveOption())
    .action(async (f: { app: string; resolve?: string[] }) => {
      const { accessToken } = await import('./access-command.js');
      process.stdout.write(`${await accessToken(await target(f.app, f.resolve))}\n`);
    });

  registerTcpCommands(access);
}

interface TcpFlags {
  hostname?: string;
  url?: string;
  edge?: string;
  serviceTokenId?: string;
  serviceTokenSecret?: string;
  browser: boolean;
  destination?: string;
}

function tcpOptions(c: Command, listener: boolean, bastion = true): Command {
  c.option(
    '--hostname <hostname>',
    'the application hostname (an ssh://, tcp://, rdp://, smb:// or udp:// ingress rule)',
  ).option('--edge <url>', "the edge's visitor address when HOSTNAME has no public DNS, e.g. http://127.0.0.1:8080");
  withServiceTokenOptions(c);
  if (bastion)
    c.option('--destination <host:port>', "a bastion rule's destination (sent as Cf-Access-Jump-Destination)");
  if (listener) c.option('--url <address>', 'the local address to listen on, e.g. 127.0.0.1:2222');
  return c;
}

async function tcpTargetOf(f: TcpFlags) {
  const serviceToken = serviceTokenOf(f);
  const { tcpTarget } = await import('./access-tcp.js');
  const t = await tcpTarget(f.hostname, f.edge, serviceToken, f.browser);
  if (f.destination !== undefined) t.destination = f.destination;
  return t;
}

/** `--url [scheme://]host[:port]`: where the local listener binds (the port defaults by command). */
function listenAddress(raw: string | undefined, defaultPort: number | undefined): { host: string; port: number } {
  const m = /^(?:[a-z]+:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/i.exec(raw ?? '');
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (m === null || port === undefined || port > 65535) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--url ${raw === undefined ? 'is missing' : `"${raw}" is not host:port`}; give the local address to listen on, e.g. --url 127.0.0.1:2222`,
    );
  }
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** `warren access tcp|rdp|smb|ssh|ssh-config` (cloudflared's carrier commands). */
function registerTcpCommands(access: Command): void {
  const listeners: [string, string, number | undefined][] = [
    ['tcp', 'forward a local TCP port to a TCP application behind Access', undefined],
    ['rdp', 'as tcp, for an rdp:// application (local port 3389 by default)', 3389],
    ['smb', 'as tcp, for an smb:// application (local port 445 by default)', 445],
  ];
  for (const [name, what, port] of listeners) {
    tcpOptions(access.command(name).description(what), true).action(async (f: TcpFlags) => {
      const listen = listenAddress(f.url ?? (port === undefined ? undefined : `127.0.0.1:${port}`), port);
      const { accessTcp } = await import('./access-tcp.js');
      await accessTcp(await tcpTargetOf(f), listen);
    });
  }
  tcpOptions(
    access.command('udp').description('forward a local UDP port to a udp:// application, one session per client flow'),
    true,
    false,
  )
    .addOption(
      new Option('--idle-timeout <duration>', 'close a flow with no datagram either way for this long')
        .default(60_000, '60s')
        .argParser(durationArg('--idle-timeout')),
    )
    .action(async (f: TcpFlags & { idleTimeout: number }) => {
      const listen = listenAddress(f.url, undefined);
      const { accessUdp } = await import('./access-udp.js');
      await accessUdp(await tcpTargetOf(f), listen, f.idleTimeout);
    });
  tcpOptions(
    access.command('ssh').description("carry stdin/stdout to an ssh:// application (OpenSSH's ProxyCommand)"),
    false,
  )
    .allowUnknownOption()
    .action(async (f: TcpFlags) => {
      const { accessSsh } = await import('./access-tcp.js');
      process.exitCode = await accessSsh(await tcpTargetOf(f));
    });
  access
    .command('ssh-config')
    .description('print the ~/.ssh/config stanza that reaches HOSTNAME through `warren access ssh`')
    .option('--hostname <hostname>', 'the ssh:// application hostname')
    .option('--edge <url>', "the edge's visitor address, when HOSTNAME has no public DNS")
    .allowUnknownOption()
    .action((f: { hostname?: string; edge?: string }) => {
      const host = f.hostname ?? '';
      if (!/^[a-z0-9.*-]+$/i.test(host)) {
        throw new WarrenError('WARREN_CONFIG_INVALID', '--hostname is missing; give the ssh application hostname');
      }
      const bin = process.argv[1] ?? 'warren';
      const edge = f.edge === undefined ? '' : ` --edge ${f.edge}`;
      process.stdout.write(
        `Add to your ~/.ssh/config:\n\nHost ${host}\n  ProxyCommand ${process.execPath} ${bin} access ssh --hostname %h${edge}\n`,
      );
    });
}
