import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

interface Report {
  connector_id: string;
  version: number;
  status: string;
  running_version: number;
  reason: string | null;
}
interface Ready {
  status: number;
  configuration?: { source: string; version: number; refused?: { version: number; reason: string } };
}

for (const dialect of DIALECTS) {
  describe(`a connector refuses a remote version whose files it cannot use, on ${dialect.name}`, {
    skip: dialect.skip,
  }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let serve: ServeHandle;
    let origin: Server;
    let originUrl: string;
    let account: string;
    let tunnel: string;
    let connector: Proc;
    let metricsUrl: string;
    // The connector's own home: `~` in a remote configuration is this directory, not the server's.
    const home = tempDir('warren-connector-home-');
    const fifo = join(home, 'client.pem');
    execFileSync('mkfifo', [fifo]);

    const api = apiClient(() => serve.apiBase);
    const putRule = async (rule: Record<string, unknown>): Promise<number> => {
      const r = await api<{ version: number }>('PUT', `/accounts/${account}/cfd_tunnel/${tunnel}/configurations`, {
        config: { ingress: [{ hostname: 'app.example.com', ...rule }, { service: 'http_status:404' }] },
      });
      assert.ok(r.success, JSON.stringify(r));
      return r.result.version;
    };
    const ready = async (): Promise<Ready> =>
      (await (await fetch(`${metricsUrl}/ready`, { signal: AbortSignal.timeout(5_000) })).json()) as Ready;
    const reports = async (): Promise<Report[]> =>
      (await api<{ warren_connectors: Report[] }>('GET', `/accounts/${account}/cfd_tunnel/${tunnel}/configurations`))
        .result.warren_connectors;

    before(async () => {
      db = await dialect.fresh();
      origin = createServer((_req, res) => res.end('A'));
      origin.listen(0, '127.0.0.1');
      await once(origin, 'listening');
      originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
      serve = await startServe({
        dataDir: db.dataDir,
        env: {
          WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
          WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
          ...(db.databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: db.databaseUrl }),
        },
      });
      account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
      const zone = (await api<{ id: string }>('POST', '/zones', { account: { id: account }, name: 'example.com' }))
        .result.id;
      tunnel = (await api<{ id: string }>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'files' })).result.id;
      const routed = await api('PUT', `/zones/${zone}/tunnels/${tunnel}/routes`, {
        type: 'dns',
        user_hostname: 'app.example.com',
      });
      assert.ok(routed.success);
      const token = (await api<string>('GET', `/accounts/${account}/cfd_tunnel/${tunnel}/token`)).result;
      connector = startCli(
        [
          'tunnel',
          'run',
          '--edge',
          `127.0.0.1:${serve.tunnelPort}`,
          '--edge-ca',
          serve.caPath,
          '--metrics',
          '127.0.0.1:0',
          '--ha-connections',
          '2',
          '--loglevel',
          'info',
        ],
        { env: { HOME: home, WARREN_DATA_DIR: join(home, 'none'), TUNNEL_TOKEN: token } },
      );
      metricsUrl = ((await connector.waitFor(/Metrics server listening on (http:\/\/\S+)\/metrics/))[1] ?? '').trim();
      await connector.waitFor(/registered tunnel connection/, { from: 'stderr' });
    });
    after(async () => {
      await connector?.stop('SIGKILL');
      await serve?.stop('SIGKILL');
      origin?.close();
      await db?.drop();
      rmSync(home, { recursive: true, force: true });
    });

    test('an-unusable-file-keeps-the-last-good-version-and-ready-and-the-API-say-why', async () => {
      assert.equal(await putRule({ service: originUrl }), 1);
      await eventually(async () => (await visit(serve.httpPort, 'app.example.com', '/')).text === 'A', 5_000, 'v1');

      // /dev/zero would never end; the connector refuses it before reading a byte.
      assert.equal(await putRule({ service: 'https://127.0.0.1:1', originRequest: { caPool: '/dev/zero' } }), 2);
      await connector.waitFor(
        /remote configuration version 2 refused, keeping the running rules \(version 1\): .*originRequest\.caPool \\?"\/dev\/zero\\?" is a character device; only regular files are read/,
        { from: 'stderr' },
      );
      assert.equal((await visit(serve.httpPort, 'app.example.com', '/')).text, 'A', 'still served by version 1');
      const r = await ready();
      assert.equal(r.status, 200);
      assert.equal(r.configuration?.source, 'remote');
      assert.equal(r.configuration?.version, 1);
      assert.equal(r.configuration?.refused?.version, 2);
      assert.match(r.configuration?.refused?.reason ?? '', /caPool "\/dev\/zero" is a character device/);
      const refused = await eventually(
        async () => {
          const [one, ...rest] = await reports();
          return rest.length === 0 && one?.version === 2 ? one : undefined;
        },
        5_000,
        'the API shows the refusal',
      );
      assert.equal(refused.status, 'refused');
      assert.equal(refused.running_version, 1);
      assert.match(refused.reason ?? '', /ingress rule #1: originRequest\.caPool "\/dev\/zero" is a character device/);

      // A FIFO opens at once and is refused: nothing waits for a writer.
      await putRule({
        service: 'https://127.0.0.1:1',
        originRequest: { tlsClientCert: '~/client.pem', tlsClientKey: '~/client.pem' },
      });
      const fifoRefusal = await eventually(
        async () => {
          const [one] = await reports();
          return one?.version === 3 ? one : undefined;
        },
        5_000,
        'the API shows the FIFO refusal',
      );
      assert.equal(fifoRefusal.status, 'refused');
      assert.match(
        fifoRefusal.reason ?? '',
        /tlsClientCert "~\/client\.pem" is a FIFO \(named pipe\); only regular files are read/,
      );
      assert.equal((await ready()).configuration?.refused?.version, 3);
      assert.equal((await visit(serve.httpPort, 'app.example.com', '/')).text, 'A');

      // A good file under the connector's ~ is read there, and the version applies.
      copyFileSync(serve.caPath, join(home, 'ca.pem'));
      assert.equal(await putRule({ service: originUrl, originRequest: { caPool: '~/ca.pem' } }), 4);
      const applied = await eventually(
        async () => {
          const [one] = await reports();
          return one?.version === 4 ? one : undefined;
        },
        5_000,
        'the API shows version 4 applied',
      );
      assert.equal(applied.status, 'applied');
      assert.equal(applied.running_version, 4);
      assert.equal(applied.reason, null);
      const after4 = await ready();
      assert.equal(after4.configuration?.version, 4);
      assert.equal(after4.configuration?.refused, undefined);
    });
  });
}
