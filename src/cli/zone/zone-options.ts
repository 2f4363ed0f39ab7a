import { type Command, Option } from 'commander';
import { apiTokenFlag, apiTokenOption } from '../secret-flag.js';
import type { ZoneCommandOptions } from './zone-command.js';

interface ZoneFlags {
  api?: string;
  apiToken?: string;
  account?: string;
  origincert?: string;
  output?: string;
}

/** The flags every `zone` command shares: where the API is and how to authenticate. */
function withApiOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--api <url>', "the warren control API (default: cert.pem's, else http://127.0.0.1:8081)").env(
        'WARREN_API',
      ),
    )
    .addOption(apiTokenOption('an API token that may edit zones (default: the token in cert.pem)'))
    .addOption(new Option('--account <id>', "the account (default: cert.pem's, or the token's only account)"))
    .addOption(new Option('--origincert <file>', 'cert.pem to use without --api-token').env('WARREN_ORIGIN_CERT'));
}

async function optionsOf(f: ZoneFlags, cmd: Command): Promise<ZoneCommandOptions> {
  const apiToken = await apiTokenFlag(f.apiToken, cmd.getOptionValueSource('apiToken'));
  return { api: f.api, apiToken, account: f.account, origincert: f.origincert };
}

/** `warren zone add|list|check|delete`: what the dashboard's "Add a site" does, from a shell. */
export function registerZoneCommand(program: Command): void {
  const zone = program
    .command('zone')
    .description('add, list, check and delete zones (sites); the dashboard\'s "Add a site"');
  withApiOptions(
    zone
      .command('add <name>')
      .description('add a zone, then print the steps left: the name servers, or the TXT and CNAME records')
      .addOption(
        new Option('--type <type>', 'full: warren answers DNS for it; partial: your DNS provider stays (CNAME setup)')
          .choices(['full', 'partial'])
          .default('full'),
      )
      .addOption(new Option('-o, --output <format>', 'json or yaml: print the API result').choices(['json', 'yaml'])),
  ).action(async (name: string, f: ZoneFlags & { type: 'full' | 'partial' }, cmd: Command) => {
    const { addZone } = await import('./zone-command.js');
    await addZone({ ...(await optionsOf(f, cmd)), type: f.type, output: f.output }, name);
  });
  withApiOptions(
    zone
      .command('list')
      .description('list the zones you can see')
      .addOption(new Option('-o, --output <format>', 'json or yaml').choices(['json', 'yaml'])),
  ).action(async (f: ZoneFlags, cmd: Command) => {
    const { listZones } = await import('./zone-command.js');
    await listZones({ ...(await optionsOf(f, cmd)), output: f.output });
  });
  withApiOptions(
    zone.command('check <name>').description('check a pending zone now (its name servers, or its TXT record)'),
  ).action(async (name: string, f: ZoneFlags, cmd: Command) => {
    const { checkZone } = await import('./zone-command.js');
    await checkZone(await optionsOf(f, cmd), name);
  });
  withApiOptions(zone.command('delete <name>').description('delete a zone and all its DNS records')).action(
    async (name: string, f: ZoneFlags, cmd: Command) => {
      const { deleteZone } = await import('./zone-command.js');
      await deleteZone(await optionsOf(f, cmd), name);
    },
  );
}
