import { type Command, Option } from 'commander';
import { withStoreOptions } from '../cli-options.js';

export interface AdminDbFlags {
  dataDir: string;
  databaseUrl?: string;
}

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['json']);

/** --data-dir / --database-url on every `warren admin` subcommand (as on `warren serve`). */
const withDb = withStoreOptions;

/**
 * `warren admin create-user | reset-password | list-users | roll-key | move-zone | activate-zone`: maintenance straight on
 * the database (works while `serve` is stopped). The work is in admin-command.ts.
 */
export function registerAdminCommand(program: Command): void {
  const load = () => import('./admin-command.js');
  const admin = program
    .command('admin')
    .description('bootstrap and maintenance on a data dir or database (users, passwords, API keys)');
  withDb(
    admin
      .command('create-user')
      .description('create a person with an API token (printed once), a member of --account (created if missing)')
      .requiredOption('--email <email>', 'their e-mail address (they sign in with it)')
      .addOption(new Option('--password-stdin', 'read their password from standard input').default(false))
      .addOption(new Option('--account <name>', 'account to join (created when missing)').default('default'))
      .addOption(new Option('--role <role>', 'role in that account (name or id)').default('Super Administrator'))
      .addOption(outputOption()),
  ).action(
    async (
      f: AdminDbFlags & { email: string; passwordStdin: boolean; account: string; role: string; output?: string },
    ) => {
      await (await load()).createUser(f);
    },
  );
  withDb(
    admin
      .command('reset-password')
      .description("set a person's password (read from standard input)")
      .requiredOption('--email <email>', 'their e-mail address')
      .addOption(
        new Option('--password-stdin', 'read the new password from standard input (required)').makeOptionMandatory(),
      ),
  ).action(async (f: AdminDbFlags & { email: string }) => {
    await (await load()).resetPassword(f);
  });
  withDb(
    admin
      .command('list-users')
      .description('every user: e-mail, id, kind, accounts and roles')
      .addOption(outputOption()),
  ).action(async (f: AdminDbFlags & { output?: string }) => {
    await (await load()).listUsers(f);
  });
  withDb(
    admin
      .command('roll-key')
      .description("roll a user's API key: their cert.pem tokens stop working; prints the new global API key once")
      .requiredOption('--email <email>', 'their e-mail address')
      .addOption(outputOption()),
  ).action(async (f: AdminDbFlags & { email: string; output?: string }) => {
    await (await load()).rollKey(f);
  });
  registerAdminZoneCommands(admin);
}

/** `warren admin move-zone | activate-zone`: who owns a domain is the operator's call. */
function registerAdminZoneCommands(admin: Command): void {
  const load = () => import('./admin-zone-command.js');
  withDb(
    admin
      .command('move-zone')
      .description(
        "move a zone (name or id) with its DNS records to another account; refused when it overlaps a third account's zone",
      )
      .argument('<zone>', 'zone name (example.com) or id')
      .requiredOption('--account <account>', 'the account that gets it (id, or a unique name)')
      .addOption(outputOption()),
  ).action(async (zone: string, f: AdminDbFlags & { account: string; output?: string }) => {
    await (await load()).moveZoneCommand({ ...f, zone });
  });
  withDb(
    admin
      .command('activate-zone')
      .description('make a pending zone active without its NS or TXT check (you vouch for the delegation)')
      .argument('<zone>', 'zone name (example.com) or id'),
  ).action(async (zone: string, f: AdminDbFlags) => {
    await (await load()).activateZoneCommand({ ...f, zone });
  });
}
