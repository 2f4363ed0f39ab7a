import { type Command, Option } from 'commander';
import { CONNECTOR_VERSION } from '../connector/config/connector-defaults.js';

/**
 * cloudflared's `update` and `version`. warren never replaces its own files (it is an npm package,
 * often in a root-owned prefix): `update` says how to update it instead.
 */
export function registerUpdateCommands(program: Command): void {
  program
    .command('update')
    .description('print how to update warren (it is installed with npm and does not update itself)')
    .addOption(new Option('--beta', 'accepted for cloudflared; warren has no beta channel').hideHelp())
    .addOption(new Option('--force', 'accepted for cloudflared').hideHelp())
    .addOption(new Option('--staging', 'accepted for cloudflared').hideHelp())
    .addOption(new Option('--version <version>', 'the version to install'))
    .action((f: { version?: string }) => {
      const target = f.version ?? 'latest';
      process.stdout.write(
        `warren ${CONNECTOR_VERSION} does not update itself. It is an npm package; update it with:\n` +
          `  npm install -g warren@${target}     (installed globally)\n` +
          `  npm install -E warren@${target}     (a project dependency)\n` +
          'then restart the connectors and `warren serve` (the service unit, if you use one).\n',
      );
    });
  program
    .command('version')
    .description('print the version')
    .addOption(new Option('-s, --short', 'print the version number only').default(false))
    .action((f: { short: boolean }) => {
      process.stdout.write(
        f.short ? `${CONNECTOR_VERSION}\n` : `warren version ${CONNECTOR_VERSION} (node ${process.version})\n`,
      );
    });
}
