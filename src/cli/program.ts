import { Command } from 'commander';
import { CONNECTOR_VERSION } from '../connector/config/connector-defaults.js';
import { registerAccessCommand } from './access/access-options.js';
import { registerUnsupportedCommands } from './cloudflared/unsupported-options.js';
import { registerLoginCommand } from './login-options.js';
import { registerAdminCommand } from './serve/admin-options.js';
import { registerDnsCommand } from './serve/dns-options.js';
import { registerSplitCommands } from './serve/edge-options.js';
import { registerServeCommand } from './serve/serve-options.js';
import { registerTunnelDiagCommand } from './tunnel/diag-options.js';
import { registerServiceCommand } from './tunnel/service-options.js';
import { registerTailCommand } from './tunnel/tail-options.js';
import { registerTunnelCommand } from './tunnel/tunnel-options.js';
import { registerTunnelReadyCommand } from './tunnel/tunnel-ready-options.js';
import { registerUpdateCommands } from './update-options.js';
import { registerZoneCommand } from './zone/zone-options.js';

/**
 * Every command and flag of the CLI. Each command file registers its flags here; the work itself
 * is imported lazily so `warren tunnel` does not load the edge, the database or the PKI.
 */
export function buildProgram(): Command {
  const program = new Command('warren')
    .description('Self-hosted tunnels with Access in front: edge, connector and control plane')
    // cloudflared's --version and -v print the same line as its `version` command.
    .version(`warren version ${CONNECTOR_VERSION} (node ${process.version})`, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    // `tunnel` and `tunnel run` share flag names: flags after a subcommand belong to it.
    .enablePositionalOptions();
  registerServeCommand(program);
  registerSplitCommands(program);
  registerAdminCommand(program);
  registerDnsCommand(program);
  const tunnel = registerTunnelCommand(program);
  registerTunnelReadyCommand(tunnel);
  registerTunnelDiagCommand(tunnel);
  registerLoginCommand(program);
  // cloudflared's `tunnel login` is the same command.
  registerLoginCommand(tunnel);
  registerUpdateCommands(program);
  registerServiceCommand(program);
  registerAccessCommand(program);
  registerTailCommand(program);
  registerZoneCommand(program);
  registerUnsupportedCommands(program);
  return program;
}
