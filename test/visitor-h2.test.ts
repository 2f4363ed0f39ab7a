import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import {
  type QuickTunnelHandle,
  type ServeHandle,
  startQuickTunnel,
  startServe,
  tempDir,
} from './support/warren-processes.js';

const run = promisify(execFile);

describe('HTTP/2 to visitors on the HTTPS port (ALPN h2 + http/1.1)', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  let httpsPort = 0;
  let ca = '';
  let caPath = '';

  before(async () => {
    const dir = tempDir('warren-h2-');
    const m = await loadOrCreateEdgeTls({ dataDir: dir, hostnames: ['*.quick.warren.localhost'] });
    writeFileSync(join(dir, 'v.crt'), m.certPem);
    writeFileSync(join(dir, 'v.key'), m.keyPem);
    caPath = join(dir, 'ca.pem');
    ca = m.caPem;
    writeFileSync(caPath, ca);
    origin = await startTestOrigin();
    serve = await startServe({
      args: ['--https-port', '0', '--https-cert', join(dir, 'v.crt'), '--https-key', join(dir, 'v.key')],
    });
    httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
    tunnel = await startQuickTunnel(serve, origin.url);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  const curl = (http: string, path: string, extra: string[] = []) =>
    run('curl', [
      '-sS',
      http,
      '--cacert',
      caPath,
      '--resolve',
      `${tunnel.hostname}:${httpsPort}:127.0.0.1`,
      '-w',
      '\n%{http_version} %{http_code}',
      ...extra,
      `https://${tunnel.hostname}:${httpsPort}${path}`,
    ]);

  test('h2-curl-http2-negotiates-h2-and-the-origin-sees-an-ordinary-request', async () => {
    const { stdout } = await curl('--http2', '/echo?x=1');
    const lines = stdout.trim().split('\n');
    assert.equal(lines.at(-1), '2 200', 'ALPN chose h2');
    const seen = origin.seen.at(-1);
    assert.equal(seen?.url, '/echo?x=1');
    assert.equal(seen?.headers.host, `${tunnel.hostname}:${httpsPort}`);
    assert.equal(seen?.headers['x-forwarded-proto'], 'https');
    assert.ok(
      seen?.rawHeaders.every((h, i) => i % 2 === 1 || !h.startsWith(':')),
      'no pseudo-header reaches the origin',
    );
    const http1 = await curl('--http1.1', '/echo');
    assert.equal(http1.stdout.trim().split('\n').at(-1), '1.1 200', 'http/1.1 still served on the same port');
  });

  test('h2-a-streamed-body-without-content-length-reaches-the-origin-whole', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const session = http2Connect(`https://127.0.0.1:${httpsPort}`, { ca, servername: tunnel.hostname });
    try {
      const req = session.request({ ':method': 'POST', ':path': '/upload', ':authority': tunnel.hostname });
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
      const [headers] = (await once(req, 'response')) as [Record<string, string | number>];
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      await once(req, 'end');
      assert.equal(headers[':status'], 200, text);
      const got = JSON.parse(text) as { bytes: number; sha256: string };
      assert.equal(got.bytes, body.length);
      assert.equal(got.sha256, createHash('sha256').update(body).digest('hex'));
    } finally {
      session.close();
    }
  });

  test('h2-error-pages-and-oversized-heads-are-answered-like-http1', async () => {
    const unknown = await run('curl', [
      '-sS',
      '--http2',
      '--cacert',
      caPath,
      '--resolve',
      `nobody.quick.warren.localhost:${httpsPort}:127.0.0.1`,
      '-o',
      '/dev/null',
      '-w',
      '%{http_version} %{http_code}',
      `https://nobody.quick.warren.localhost:${httpsPort}/`,
    ]);
    assert.match(unknown.stdout, /^2 (404|502|530)$/, 'the edge answers its error page over h2');
    // A head past 32 KiB is refused over h2 as over http/1.1; the session survives for the next request.
    const big = await curl('--http2', '/echo', ['-H', `x-big: ${'a'.repeat(40 * 1024)}`, '-o', '/dev/null']).then(
      (r) => r.stdout,
      (err: Error) => err.message,
    );
    assert.doesNotMatch(big, /2 200/);
    const after = await curl('--http2', '/echo', ['-o', '/dev/null']);
    assert.equal(after.stdout.trim(), '2 200');
  });

  test('h2-websockets-keep-working-over-http1-upgrade-on-the-same-port', async () => {
    const options = { headers: { host: tunnel.hostname }, ca, servername: tunnel.hostname };
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, options as WebSocket.ClientOptions);
    await once(ws, 'open');
    ws.send('beside h2');
    const [data] = (await once(ws, 'message')) as [Buffer];
    assert.equal(data.toString(), 'beside h2');
    ws.close();
    await once(ws, 'close');
  });
});
