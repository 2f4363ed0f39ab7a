import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import {
  type QuickTunnelHandle,
  type ServeHandle,
  startCli,
  startQuickTunnel,
  startServe,
  tempDir,
} from './support/warren-processes.js';

/** A CA and a `*.quick.warren.localhost` certificate it signed, as PEM files in a fresh folder. */
async function visitorCertificate(): Promise<{ dir: string; cert: string; key: string; ca: string }> {
  const dir = tempDir('warren-https-');
  const m = await loadOrCreateEdgeTls({ dataDir: dir, hostnames: ['*.quick.warren.localhost'] });
  const cert = join(dir, 'visitor.crt');
  const key = join(dir, 'visitor.key');
  writeFileSync(cert, m.certPem);
  writeFileSync(key, m.keyPem);
  return { dir, cert, key, ca: m.caPem };
}

describe('visitor HTTPS listener (--https-cert, --https-key, --https-port)', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  let pki: Awaited<ReturnType<typeof visitorCertificate>>;
  let httpsPort = 0;

  before(async () => {
    pki = await visitorCertificate();
    origin = await startTestOrigin();
    serve = await startServe({ args: ['--https-port', '0', '--https-cert', pki.cert, '--https-key', pki.key] });
    httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
    tunnel = await startQuickTunnel(serve, origin.url);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('a quick tunnel answers over HTTPS with the configured certificate; the origin sees https', async () => {
    const { status, body, peer } = await new Promise<{ status: number; body: string; peer: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: httpsPort,
            path: '/echo',
            servername: tunnel.hostname,
            headers: { host: tunnel.hostname },
            ca: pki.ca,
          },
          (res) => {
            const cert = (res.socket as TLSSocket).getPeerCertificate();
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body: text, peer: cert.subjectaltname ?? '' });
            });
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 200, body);
    assert.match(peer, /DNS:\*\.quick\.warren\.localhost/);
    const seen = origin.seen.at(-1);
    assert.equal(seen?.headers['x-forwarded-proto'], 'https');
    assert.equal(seen?.headers['cf-visitor'], '{"scheme":"https"}');
  });

  test('WebSockets work over wss', async () => {
    // ws hands `servername` on to tls.connect (SNI and the certificate's name check).
    const options = { headers: { host: tunnel.hostname }, ca: pki.ca, servername: tunnel.hostname };
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, options as WebSocket.ClientOptions);
    await once(ws, 'open');
    ws.send('over tls');
    const [data] = (await once(ws, 'message')) as [Buffer];
    assert.equal(data.toString(), 'over tls');
    ws.close();
    await once(ws, 'close');
  });

  test('plain HTTP keeps working beside it and says http', async () => {
    const res = await visit(serve.httpPort, tunnel.hostname, '/echo');
    assert.equal(res.status, 200);
    assert.equal(origin.seen.at(-1)?.headers['x-forwarded-proto'], 'http');
  });

  test('a half-configured or mismatched certificate stops serve with one clear line', async () => {
    const half = startCli(['serve', '--data-dir', tempDir(), '--https-cert', pki.cert, '--loglevel', 'warn']);
    assert.notEqual(await half.exited, 0);
    await half.waitFor(/needs both --https-cert and --https-key/, { from: 'stderr' });

    const other = await visitorCertificate();
    const mismatched = startCli([
      'serve',
      '--data-dir',
      tempDir(),
      '--https-cert',
      pki.cert,
      '--https-key',
      other.key,
      '--loglevel',
      'warn',
    ]);
    assert.notEqual(await mismatched.exited, 0);
    const [line] = await mismatched.waitFor(/--https-cert .*--https-key .*private key it was issued for/, {
      from: 'stderr',
    });
    assert.doesNotMatch(line, /BEGIN/, 'no key material in the message');

    const missing = startCli([
      'serve',
      '--data-dir',
      tempDir(),
      '--https-cert',
      join(pki.dir, 'nope.crt'),
      '--https-key',
      pki.key,
      '--loglevel',
      'warn',
    ]);
    assert.notEqual(await missing.exited, 0);
    await missing.waitFor(/--https-cert .*nope\.crt: cannot read it \(ENOENT\)/, { from: 'stderr' });
  });
});
