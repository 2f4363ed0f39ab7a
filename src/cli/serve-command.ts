import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { createApiServer } from '../control/index.js';
import { EdgeServer, QuickTunnelAuthority } from '../edge/index.js';
import { loadOrCreateEdgeTls } from '../pki/index.js';
import { createLogger, type LoggerOptions } from './logger.js';
import { onShutdownSignals } from './shutdown-signals.js';

export interface ServeOptions {
  dataDir: string;
  bind: string;
  httpPort: number;
  tunnelPort: number;
  apiPort: number;
  domain: string;
  edgeName: string | undefined;
  quickTunnelsPerMinute: number;
  originResponseTimeout: number;
  log: LoggerOptions;
}

/** `warren serve`: edge + control API in one process. */
export async function serve(options: ServeOptions): Promise<void> {
  const logger = createLogger(options.log);
  const dataDir = resolve(options.dataDir);
  const edgeName =
    options.edgeName ??
    osHostname()
      .split('.')[0]
      ?.toLowerCase()
      .replace(/[^a-z0-9-]/g, '') ??
    'edge';
  const tls = await loadOrCreateEdgeTls({ dataDir, hostnames: [options.bind, `edge.${options.domain}`] });
  const quick = await QuickTunnelAuthority.open(dataDir, options.domain);
  const edge = new EdgeServer({
    edgeName,
    bind: options.bind,
    httpPort: options.httpPort,
    tunnelPort: options.tunnelPort,
    tls: { cert: tls.certPem, key: tls.keyPem },
    quick,
    quickTunnelsPerMinute: options.quickTunnelsPerMinute,
    originResponseTimeoutMs: options.originResponseTimeout * 1000,
    logger,
  });
  let ready = false;
  const api = createApiServer({ logger, ready: () => ready });
  const ports = await edge.listen();
  await api.listen({ port: options.apiPort, host: options.bind });
  const apiAddr = api.server.address();
  const apiPort = typeof apiAddr === 'object' && apiAddr !== null ? apiAddr.port : options.apiPort;
  ready = true;
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  process.stdout.write(
    [
      'warren is running',
      `  visitor http   http://${host}:${ports.httpPort}  (quick tunnels: http://<name>.quick.${options.domain}:${ports.httpPort})`,
      `  tunnel         ${host}:${ports.tunnelPort}`,
      `  api            http://${host}:${apiPort}/client/v4`,
      `  edge CA        ${tls.caPath}`,
      `  data           ${dataDir}`,
      `Try it: warren tunnel --url http://localhost:3000${ports.tunnelPort === 7844 ? '' : ` --edge ${host}:${ports.tunnelPort}`}`,
      '',
    ].join('\n'),
  );
  logger.info({ edgeName, httpPort: ports.httpPort, tunnelPort: ports.tunnelPort, apiPort }, 'serve ready');
  onShutdownSignals(logger, async () => {
    ready = false;
    await Promise.all([edge.close(), api.close()]);
  });
}
