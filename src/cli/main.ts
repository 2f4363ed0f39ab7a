import { Command } from 'commander';
import { CONNECTOR_VERSION } from '../connector/index.js';
import { WarrenError } from '../errors/index.js';
import { registerAdminCommand } from './admin-options.js';
import { cloudflaredArgv } from './cloudflared-argv.js';
import { registerDnsCommand } from './dns-options.js';
import { registerLoginCommand } from './login-options.js';
import { registerServeCommand } from './serve-options.js';
import { registerTunnelCommand } from './tunnel-options.js';
import { registerTunnelReadyCommand } from './tunnel-ready-options.js';
import { registerUpdateCommands } from './update-options.js';

// Each command file registers its flags here; the work itself is imported lazily so
// `warren tunnel` does not load the edge, the database or the PKI.
const program = new Command('warren')
  .description('Self-hosted tunnels with Access in front: edge, connector and control plane')
  .version(CONNECTOR_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  // `tunnel` and `tunnel run` share flag names: flags after a subcommand belong to it.
  .enablePositionalOptions();

registerServeCommand(program);
registerAdminCommand(program);
registerDnsCommand(program);
const tunnel = registerTunnelCommand(program);
registerTunnelReadyCommand(tunnel);
registerLoginCommand(program);
// cloudflared's `tunnel login` is the same command.
registerLoginCommand(tunnel);
registerUpdateCommands(program);

try {
  await program.parseAsync(cloudflaredArgv(program, process.argv, process.env), { from: 'node' });
} catch (err) {
  if (err instanceof WarrenError) {
    process.stderr.write(`warren: ${err.message} [${err.code}]\n`);
  } else {
    process.stderr.write(`warren: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}
