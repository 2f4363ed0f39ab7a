import { type Command, Option } from 'commander';
import type { ServiceInstallOptions, ServiceUninstallOptions } from './service-command.js';

/** `warren service install [TOKEN] [-- ARGS…]` and `warren service uninstall` (cloudflared's, for systemd). */
export function registerServiceCommand(program: Command): void {
  const service = program.command('service').description("install warren as a systemd service (cloudflared's service)");
  const common = (c: Command): Command =>
    c
      .addOption(new Option('--serve', 'the unit of `warren serve` instead of the connector').default(false))
      .addOption(
        new Option('--files-only', 'write or remove the files only: create no user, run no systemctl').default(false),
      )
      .addOption(new Option('--unit-dir <dir>', 'where the unit goes').default('/etc/systemd/system'))
      .addOption(new Option('--env-dir <dir>', 'where the root-only EnvironmentFile goes').default('/etc/warren'));
  common(
    service
      .command('install')
      .description(
        'write a systemd unit running the connector with TOKEN (or TUNNEL_TOKEN, or --config) as a dedicated user, and start it; arguments after -- go to the command',
      )
      .argument('[token-and-args...]', 'TOKEN, then -- and extra arguments (e.g. -- --edge edge.example.com:7844)'),
  )
    .addOption(new Option('--dry-run', 'print the files and write nothing (needs no root)').default(false))
    .addOption(
      new Option('--user <name>', 'the system user the service runs as (created if missing)').default('warren'),
    )
    .addOption(
      new Option(
        '--config <file>',
        'without TOKEN: the config.yml the connector runs (default /etc/warren/config.yml)',
      ),
    )
    .action(async (args: string[], f: Omit<ServiceInstallOptions, 'args'>) => {
      const { serviceInstall } = await import('./service-command.js');
      serviceInstall({ ...f, args });
    });
  common(service.command('uninstall').description('stop, disable and remove what `service install` wrote')).action(
    async (f: ServiceUninstallOptions) => {
      const { serviceUninstall } = await import('./service-command.js');
      serviceUninstall(f);
    },
  );
}
