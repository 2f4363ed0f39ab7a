import { type Command, Option } from 'commander';

/** `warren tunnel ingress validate|rule`: check a config file's ingress rules without running a tunnel. */
export function registerIngressCommands(tunnel: Command): Command {
  const ingress = tunnel.command('ingress').description("check a config file's ingress rules (validate, rule URL)");
  const configOption = (): Option =>
    new Option('--config <file>', 'config file (default: ~/.warren/config.yml, then /etc/warren/config.yml)').env(
      'WARREN_CONFIG',
    );
  ingress
    .command('validate')
    .description('print OK when the ingress rules are valid, else what is wrong and what to write instead')
    .addOption(configOption())
    .action(async (f: { config?: string }) => {
      const { validateIngressCommand } = await import('./ingress-command.js');
      process.stdout.write(
        await validateIngressCommand({ config: f.config, warn: (line) => process.stderr.write(`${line}\n`) }),
      );
    });
  ingress
    .command('rule')
    .description('print the rule a URL matches, e.g. warren tunnel ingress rule https://app.example.com/api')
    .argument('<url>', 'a visitor URL, e.g. https://app.example.com/path')
    .addOption(configOption())
    .action(async (url: string, f: { config?: string }) => {
      const { matchIngressCommand } = await import('./ingress-command.js');
      process.stdout.write(matchIngressCommand(url, { config: f.config }));
    });
  return ingress;
}
