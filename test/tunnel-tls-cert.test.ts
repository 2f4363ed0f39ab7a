import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

describe('warren serve --tls-cert/--tls-key: the tunnel listener with the operator certificate', () => {
  let origin: TestOrigin;
  let serve: Proc;
  let tunnel: Proc | undefined;
  const dataDir = tempDir();
  let ca: { path: string; dir: string };
  let ports: { http: number; tunnel: number; api: number };

  before(async () => {
    // The operator's own CA and a certificate for the edge's address, outside warren's data dir.
    const dir = tempDir('warren-own-ca-');
    const own = await loadOrCreateEdgeTls({ dataDir: dir, hostnames: ['127.0.0.1'] });
    writeFileSync(join(dir, 'edge.crt'), own.certPem);
    writeFileSync(join(dir, 'edge.key'), own.keyPem);
    ca = { path: own.caPath, dir };
    origin = await startTestOrigin();
    serve = startCli([
      'serve',
      '--data-dir',
      dataDir,
      '--http-port',
      '0',
      '--tunnel-port',
      '0',
      '--api-port',
      '0',
      '--tls-cert',
      join(dir, 'edge.crt'),
      '--tls-key',
      join(dir, 'edge.key'),
      '--loglevel',
      'warn',
    ]);
    const num = async (re: RegExp) => Number((await serve.waitFor(re))[1]);
    ports = {
      http: await num(/visitor http\s+http:\/\/[^:]+:(\d+)/),
      tunnel: await num(/tunnel\s+\S+:(\d+)/),
      api: await num(/api\s+http:\/\/[^:]+:(\d+)/),
    };
    await serve.waitFor(/tunnel cert\s+\S*edge\.crt/);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('no edge CA is generated; a connector trusting the operator CA connects and serves', async () => {
    assert.equal(existsSync(join(dataDir, 'edge-ca.pem')), false);
    tunnel = startCli([
      'tunnel',
      '--url',
      origin.url,
      '--edge',
      `127.0.0.1:${ports.tunnel}`,
      '--edge-ca',
      ca.path,
      '--loglevel',
      'warn',
    ]);
    const [, hostname] = await tunnel.waitFor(/quick tunnel is ready: http:\/\/([^:/\s]+)/);
    const res = await visit(ports.http, hostname as string, '/echo');
    assert.equal(res.status, 200);
    const edgeCa = await fetch(`http://127.0.0.1:${ports.api}/client/v4/edge_ca.pem`);
    assert.equal(edgeCa.status, 404);
  });

  test('a connector that does not trust that issuer refuses the edge with a clear line', async () => {
    const stranger = await loadOrCreateEdgeTls({ dataDir: tempDir('warren-other-ca-'), hostnames: ['127.0.0.1'] });
    const refused = startCli([
      'tunnel',
      '--url',
      origin.url,
      '--edge',
      `127.0.0.1:${ports.tunnel}`,
      '--edge-ca',
      stranger.caPath,
      '--loglevel',
      'warn',
    ]);
    assert.notEqual(await refused.exited, 0);
    await refused.waitFor(/does not trust/, { from: 'stderr' });
  });
});
