import { type Command, Option } from 'commander';
import { apiTokenFlag, apiTokenOption } from './secret-flag.js';

/** `warren login` flags; the work is in login-command.ts. */
export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description(
      'authorize this machine for a zone: writes ~/.warren/cert.pem (origin certificate, its key, and an API token)',
    )
    .addOption(new Option('--api <url>', 'the warren control API').default('http://127.0.0.1:8081').env('WARREN_API'))
    .addOption(apiTokenOption('headless login with this API token (needs --zone)'))
    .addOption(new Option('--zone <zone>', 'headless login: the zone name (or id) the certificate is for'))
    .addOption(new Option('--force', 'replace an existing cert.pem').default(false))
    .addOption(new Option('--no-browser', 'only print the URL to open'))
    .addOption(
      new Option('--origincert <file>', 'where to write cert.pem (default ~/.warren/cert.pem)').env(
        'WARREN_ORIGIN_CERT',
      ),
    )
    .action(
      async (
        f: {
          api: string;
          apiToken?: string;
          zone?: string;
          force: boolean;
          browser: boolean;
          origincert?: string;
        },
        cmd: Command,
      ) => {
        const apiToken = await apiTokenFlag(f.apiToken, cmd.getOptionValueSource('apiToken'));
        const { runLogin } = await import('./login-command.js');
        await runLogin({ ...f, apiToken, zone: f.zone, path: f.origincert });
      },
    );
}
