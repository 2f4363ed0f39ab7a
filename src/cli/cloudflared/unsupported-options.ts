import type { Command } from 'commander';

/**
 * cloudflared commands warren does not have. Pasted from Cloudflare's docs they would otherwise draw
 * commander's "unknown command"; instead each prints one line saying what differs and exits 2,
 * as other unsupported commands do. Unknown options are allowed so the pasted line reaches that one line.
 */
function unsupported(parent: Command, name: string, what: string, why: string, code: string): void {
  parent
    .command(name, { hidden: true })
    .description(`(not in warren) ${what}`)
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(() => {
      process.stderr.write(`warren: \`${what}\` is not supported: ${why} [${code}]\n`);
      process.exitCode = 2;
    });
}

function sub(parent: Command, name: string): Command {
  const found = parent.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`no \`${name}\` command to extend`);
  return found;
}

/** Registers the cloudflared commands that draw one line; call after tunnel, route and access exist. */
export function registerUnsupportedCommands(program: Command): void {
  const tunnel = sub(program, 'tunnel');
  const route = sub(tunnel, 'route');
  const noPrivate = 'warren has no private network routing; tunnels carry HTTP and WebSocket to hostnames';
  unsupported(
    route,
    'lb',
    'warren tunnel route lb',
    'warren has no load balancer; route the hostname with `warren tunnel route dns TUNNEL HOST` (several connectors of one tunnel share its load)',
    'WARREN_COMMAND_UNSUPPORTED',
  );
  unsupported(route, 'ip', 'warren tunnel route ip', noPrivate, 'WARREN_COMMAND_UNSUPPORTED');
  unsupported(tunnel, 'vnet', 'warren tunnel vnet', noPrivate, 'WARREN_COMMAND_UNSUPPORTED');
  unsupported(
    program,
    'proxy-dns',
    'warren proxy-dns',
    'warren has no DNS-over-HTTPS proxy (cloudflared removed it too)',
    'WARREN_COMMAND_UNSUPPORTED',
  );
}
