import { type Command, Option } from 'commander';
import { intArg } from '../cli-options.js';
import type { INFO_SORT_KEYS, LIST_SORT_KEYS } from './tunnel-list-command.js';

const originCertOption = () =>
  new Option('--origincert <file>', 'cert.pem from `warren login` (default ~/.warren/cert.pem)').env(
    'WARREN_ORIGIN_CERT',
  );
const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']);
const credFileOption = (what: string) =>
  new Option('--credentials-file <file>', `${what} (alias --cred-file)`).env('WARREN_TUNNEL_CRED_FILE');
const maxFetchOption = () =>
  new Option('--max-fetch-size <n>', 'most tunnels fetched from the API')
    .argParser(intArg('--max-fetch-size', 1, 1_000_000))
    .env('WARREN_MAX_FETCH_SIZE');

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
    .addOption(credFileOption('write the credentials here instead'))
    .addOption(
      new Option('-s, --secret <base64>', 'the tunnel secret: base64 of at least 32 bytes (default: random)').env(
        'WARREN_TUNNEL_CREATE_SECRET',
      ),
    )
    .addOption(outputOption())
    .action(async (name: string, f: CertFlag & { credentialsFile?: string; output?: string; secret?: string }) => {
      await (await load()).createTunnel(
        { origincert: f.origincert, credentialsFile: f.credentialsFile, output: f.output, secret: f.secret },
        name,
      );
    });
  tunnel
    .command('list')
    .description('list the tunnels of the account in cert.pem (ID, NAME, CREATED, CONNECTIONS)')
    .addOption(originCertOption())
    .addOption(outputOption())
    .addOption(new Option('-n, --name <name>', 'only the tunnel with this name'))
    .addOption(new Option('--name-prefix <prefix>', 'only tunnels whose name starts with this (alias -np)'))
    .addOption(
      new Option('--exclude-name-prefix <prefix>', 'only tunnels whose name does not start with this (alias -enp)'),
    )
    .addOption(new Option('-i, --id <id>', 'only the tunnel with this id'))
    .addOption(new Option('-w, --when <time>', 'tunnels that existed at this RFC 3339 time (default: now)'))
    .addOption(new Option('-d, --show-deleted', 'include deleted tunnels').default(false))
    .addOption(
      new Option(
        '--show-recently-disconnected',
        'accepted for cloudflared (alias -rd); warren lists live connections only',
      ).default(false),
    )
    .addOption(
      new Option('--sort-by <key>', 'sort by')
        .choices(['name', 'id', 'createdAt', 'deletedAt', 'numConnections'])
        .default('name')
        .env('WARREN_TUNNEL_LIST_SORT_BY'),
    )
    .addOption(new Option('--invert-sort', 'reverse the order').default(false).env('WARREN_TUNNEL_LIST_INVERT_SORT'))
    .addOption(maxFetchOption())
    .action(
      async (
        f: CertFlag & {
          output?: string;
          name?: string;
          id?: string;
          namePrefix?: string;
          excludeNamePrefix?: string;
          when?: string;
          showDeleted: boolean;
          sortBy: (typeof LIST_SORT_KEYS)[number];
          invertSort: boolean;
          maxFetchSize?: number;
        },
      ) => {
        await (await import('./tunnel-list-command.js')).listTunnels({
          origincert: f.origincert,
          output: f.output,
          name: f.name,
          id: f.id,
          namePrefix: f.namePrefix,
          excludeNamePrefix: f.excludeNamePrefix,
          when: f.when,
          showDeleted: f.showDeleted,
          sortBy: f.sortBy,
          invertSort: f.invertSort,
          maxFetchSize: f.maxFetchSize,
        });
      },
    );
  tunnel
    .command('info')
    .description("a tunnel's connectors: id, created, architecture, version, origin IP, edge")
    .argument('<tunnel>', 'tunnel name or id')
    .addOption(originCertOption())
    .addOption(outputOption())
    .addOption(
      new Option('--sort-by <key>', 'sort connectors by')
        .choices(['id', 'createdAt', 'numConnections', 'version'])
        .default('createdAt')
        .env('WARREN_TUNNEL_INFO_SORT_BY'),
    )
    .addOption(new Option('--invert-sort', 'reverse the order').default(false).env('WARREN_TUNNEL_INFO_INVERT_SORT'))
    .addOption(
      new Option('--show-recently-disconnected', 'accepted for cloudflared; warren shows live connectors only').default(
        false,
      ),
    )
    .action(
      async (
        ref: string,
        f: CertFlag & { output?: string; sortBy: (typeof INFO_SORT_KEYS)[number]; invertSort: boolean },
      ) => {
        await (await import('./tunnel-list-command.js')).tunnelInfo(
          { origincert: f.origincert, output: f.output, sortBy: f.sortBy, invertSort: f.invertSort },
          ref,
        );
      },
    );
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
    .addOption(
      new Option('-c, --connector-id <id>', "close only this connector's connections").env(
        'WARREN_TUNNEL_CLEANUP_CONNECTOR',
      ),
    )
    .action(async (refs: string[], f: CertFlag & { connectorId?: string }) => {
      await (await load()).cleanupTunnels({ origincert: f.origincert, connectorId: f.connectorId }, refs);
    });
  tunnel
    .command('token')
    .description('print the token `warren tunnel run --token` takes')
    .argument('<tunnel>', 'tunnel name or id')
    .addOption(originCertOption())
    .addOption(new Option('--credentials-file <file>', 'write the credentials JSON here instead (alias --cred-file)'))
    .action(async (ref: string, f: CertFlag & { credentialsFile?: string }) => {
      await (await load()).printToken({ origincert: f.origincert, credentialsFile: f.credentialsFile }, ref);
    });
  const route = tunnel.command('route').description('route hostnames to tunnels (DNS)');
  route
    .command('dns')
    .description('create a proxied CNAME HOST → the tunnel (subdomains of your zones only)')
    .argument('<tunnel>', 'tunnel name or id')
    .argument('<hostname>', 'e.g. app.example.com')
    .addOption(originCertOption())
    .addOption(
      new Option('-f, --overwrite-dns', 'replace existing records of that name')
        .default(false)
        .env('WARREN_FORCE_PROVISIONING_DNS'),
    )
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
