import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from './api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './control-harness.js';
import { eventually } from './eventually.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './warren-processes.js';

export interface NamedTunnelFixture {
  serve: ServeHandle;
  accountId: string;
  zoneId: string;
  tunnelId: string;
  /** `warren tunnel token` output for the tunnel. */
  token: string;
  /** A credentials file for the tunnel (cloudflared's shape). */
  credentialsFile: string;
  hostname: string;
  api<R>(method: string, path: string, body?: unknown): Promise<{ success: boolean; result: R }>;
  /** `warren tunnel run` with the tunnel's token and extra args, against this serve. */
  run(args: string[]): Proc;
}

/** serve with a bootstrapped admin, a zone example.com, a tunnel routed at app.example.com. */
export async function startNamedTunnelFixture(serveArgs: string[] = []): Promise<NamedTunnelFixture> {
  const serve = await startServe({
    args: serveArgs,
    env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const api = apiClient(() => serve.apiBase);
  const accountId = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
  const zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' }))
    .result.id;
  const tunnelId = (await api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'web' })).result.id;
  const hostname = 'app.example.com';
  await api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, { type: 'dns', user_hostname: hostname });
  const token = (await api<string>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).result;
  const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { a: string; t: string; s: string };
  const credentialsFile = join(tempDir(), `${tunnelId}.json`);
  writeFileSync(credentialsFile, JSON.stringify({ AccountTag: t.a, TunnelSecret: t.s, TunnelID: t.t }), {
    mode: 0o400,
  });
  return {
    serve,
    accountId,
    zoneId,
    tunnelId,
    token,
    credentialsFile,
    hostname,
    api,
    run(args) {
      return startCli([
        'tunnel',
        'run',
        '--edge',
        `127.0.0.1:${serve.tunnelPort}`,
        '--edge-ca',
        serve.caPath,
        '--loglevel',
        'info',
        ...args,
      ]);
    },
  };
}

/** Waits until the tunnel shows `count` connectors with all their connections in the API. */
export async function untilConnectors(f: NamedTunnelFixture, count: number, conns = 4): Promise<void> {
  await eventually(
    async () => {
      const r = await f.api<{ conns: unknown[] }[]>(
        'GET',
        `/accounts/${f.accountId}/cfd_tunnel/${f.tunnelId}/connections`,
      );
      return r.result.length === count && r.result.every((c) => c.conns.length === conns);
    },
    10_000,
    `${count} connectors with ${conns} connections each`,
  );
}
