import { type Command, InvalidArgumentError, Option } from 'commander';
import { apiTokenFlag, apiTokenOption } from '../secret-flag.js';

const EVENTS = ['http', 'tcp', 'ws'] as const;

export interface TailFlags {
  origincert?: string;
  api?: string;
  apiToken?: string;
  account?: string;
  token?: string;
  managementUrl?: string;
  connectorId?: string;
  event: string[];
  level: 'debug' | 'info' | 'warn' | 'error';
  sample: number;
  output: 'default' | 'json';
}

function sampleArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('--sample must be a number from 0 to 1');
  return n;
}

function eventsArg(v: string, previous: string[]): string[] {
  const out = [...previous];
  for (const e of v.split(',')) {
    const kind = e.trim();
    if (kind === '') continue;
    if (!(EVENTS as readonly string[]).includes(kind)) {
      throw new InvalidArgumentError(`--event "${kind}" is not one of ${EVENTS.join(', ')}`);
    }
    if (!out.includes(kind)) out.push(kind);
  }
  return out;
}

/** `warren tail [TUNNEL]`: live request logs of a tunnel's connectors (cloudflared's `tail`). Work in tail-command.ts. */
export function registerTailCommand(program: Command): void {
  program
    .command('tail')
    .description("stream a tunnel's request logs live from its connectors, through the edge")
    .argument('[tunnel]', 'tunnel name or id (not needed with --token)')
    .addOption(
      new Option('--origincert <file>', 'cert.pem from `warren login` (default ~/.warren/cert.pem)').env(
        'WARREN_ORIGIN_CERT',
      ),
    )
    .addOption(new Option('--api <url>', 'control API base URL instead of the one in cert.pem').env('WARREN_API'))
    .addOption(apiTokenOption('API token instead of the one in cert.pem'))
    .addOption(new Option('--account <id>', 'account of the tunnel (with --api-token, when it sees several)'))
    .addOption(
      new Option(
        '--token <token>',
        'a management token from POST .../cfd_tunnel/{t}/management (needs --management-url)',
      ).env('WARREN_MANAGEMENT_TOKEN'),
    )
    .addOption(
      new Option(
        '--management-url <url>',
        "where the edge's management endpoint is (default: the API's address, ws:// for http://)",
      ).env('WARREN_MANAGEMENT_URL'),
    )
    .addOption(new Option('--connector-id <id>', 'only this connector').env('WARREN_MANAGEMENT_CONNECTOR'))
    .addOption(
      new Option('--event <kinds>', 'only these events: http, tcp, ws (repeatable, or comma-separated)')
        .argParser(eventsArg)
        .default([]),
    )
    .addOption(
      new Option('--level <level>', 'only events at this level or above')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('debug')
        .env('WARREN_MANAGEMENT_FILTER_LEVEL'),
    )
    .addOption(
      new Option('--sample <fraction>', 'send this fraction of events, 0 to 1')
        .argParser(sampleArg)
        .default(1)
        .env('WARREN_MANAGEMENT_FILTER_SAMPLE'),
    )
    .addOption(
      new Option('--output <format>', 'default: one line per event; json: one JSON object per line')
        .choices(['default', 'json'])
        .default('default')
        .env('WARREN_MANAGEMENT_OUTPUT'),
    )
    .action(async (tunnel: string | undefined, f: TailFlags, cmd: Command) => {
      const apiToken = await apiTokenFlag(f.apiToken, cmd.getOptionValueSource('apiToken'));
      await (await import('./tail-command.js')).tail(tunnel, { ...f, apiToken });
    });
}
