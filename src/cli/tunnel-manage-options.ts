import { type Command, Option } from 'commander';

const originCertOption = () =>
  new Option('--origincert <file>', 'cert.pem from `warren login` (default ~/.warren/cert.pem)').env(
    'WARREN_ORIGIN_CERT',
  );
const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['json']);

interface CertFlag {
  origincert?: string;
}

/**
 * `warren tunnel create | list | info | delete | cleanup | token | route dns | route delete`,
 * in cloudflared's shapes, authenticated by cert.pem. The work is in tunnel-manage-command.ts.
 */
export function registerTunnelManageCommands(tunnel: Command): void {
  const load = () => import('./tunnel-manage-command.js');
  tunnel
    .command('create')
    .description('create a named tunnel; its credentials go to ~/.warren/<id>.json (mode 0400, never overwritten)')
    .argument('<name>', 'tunnel name')
    .addOption(originCertOption())
    .addOption(new Option('--credentials-file <file>', 'write the credentials here instead'))
    .addOption(outputOption())
    .action(async (name: string, f: CertFlag & { credentialsFile?: string; output?: string }) => {
      await (await load()).createTunnel(
        { origincert: f.origincert, credentialsFile: f.credentialsFile, output: f.output },
        name,
      );
    });
  tunnel
    .command('list')
    .description('list the tunnels of the account in cert.pem (ID, NAME, CREATED, CONNECTIONS)')
    .addOption(originCertOption())
    .addOption(outputOption())
    .addOption(new Option('--name <name>', 'only the tunnel with this name'))
    .addOption(new Option('--id <id>', 'only the tunnel with this id'))
    .addOption(new Option('--show-deleted', 'include deleted tunnels').default(false))
    .action(async (f: CertFlag & { output?: string; name?: string; id?: string; showDeleted: boolean }) => {
      await (await load()).listTunnels({
        origincert: f.origincert,
        output: f.output,
        name: f.name,
        id: f.id,
        showDeleted: f.showDeleted,
      });
    });
  tunnel
    .command('info')
    .description("a tunnel's connectors: id, created, architecture, version, origin IP, edge")
    .argument('<tunnel>', 'tunnel name or id')
    .addOption(originCertOption())
    .addOption(outputOption())
    .action(async (ref: string, f: CertFlag & { output?: string }) => {
      await (await load()).tunnelInfo({ origincert: f.origincert, output: f.output }, ref);
    });
  tunnel
    .command('delete')
    .description('delete tunnels (their DNS routes are kept unless --cleanup-dns)')
    .argument('<tunnels...>', 'tunnel names or ids')
    .addOption(originCertOption())
    .addOption(new Option('-f, --force', 'delete even while connectors are connected').default(false))
    .addOption(new Option('--cleanup-dns', 'also delete the DNS routes (CNAMEs) that point at it').default(false))
    .action(async (refs: string[], f: CertFlag & { force: boolean; cleanupDns: boolean }) => {
      await (await load()).deleteTunnels({ origincert: f.origincert, force: f.force, cleanupDns: f.cleanupDns }, refs);
    });
  tunnel
    .command('cleanup')
    .description("close tunnels' connections (stale ones go away; running connectors register again)")
    .argument('<tunnels...>', 'tunnel names or ids')
    .addOption(originCertOption())
    .action(async (refs: string[], f: CertFlag) => {
      await (await load()).cleanupTunnels({ origincert: f.origincert }, refs);
    });
  tunnel
    .command('token')
    .description('print the token `warren tunnel run --token` takes')
    .argument('<tunnel>', 'tunnel name or id')
    .addOption(originCertOption())
    .action(async (ref: string, f: CertFlag) => {
      await (await load()).printToken({ origincert: f.origincert }, ref);
    });
  const route = tunnel.command('route').description('route hostnames to tunnels (DNS)');
  route
    .command('dns')
    .description('create a proxied CNAME HOST → the tunnel (subdomains of your zones only)')
    .argument('<tunnel>', 'tunnel name or id')
    .argument('<hostname>', 'e.g. app.example.com')
    .addOption(originCertOption())
    .addOption(new Option('--overwrite-dns', 'replace existing records of that name').default(false))
    .action(async (ref: string, host: string, f: CertFlag & { overwriteDns: boolean }) => {
      await (await load()).routeDns({ origincert: f.origincert, overwriteDns: f.overwriteDns }, ref, host);
    });
  route
    .command('delete')
    .description("delete a hostname's tunnel route (only CNAMEs that point at a tunnel)")
    .argument('<hostname>', 'e.g. app.example.com')
    .addOption(originCertOption())
    .action(async (host: string, f: CertFlag) => {
      await (await load()).routeDelete({ origincert: f.origincert }, host);
    });
}
