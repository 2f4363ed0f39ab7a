import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type QuickTunnelHandle, type ServeHandle, startQuickTunnel, startServe } from './support/warren-processes.js';

const IDLE_MS = 400;

/** Opens a POST /upload announcing `length` bytes and sends `first` of them; the socket stays open. */
async function startUpload(port: number, host: string, length: number, first: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (s: string) => {
    text += s;
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  socket.write(`POST /upload HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${length}\r\n\r\n${'x'.repeat(first)}`);
  return { socket, text: () => text, closed };
}

async function edgeCounter(serve: ServeHandle): Promise<number> {
  const text = await (await fetch(`${serve.apiBase}/metrics`)).text();
  return Number(text.match(/^warren_edge_request_body_timeouts_total (\d+)$/m)?.[1] ?? -1);
}

describe('request body idle timeout', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe({ args: ['--request-body-idle-timeout', `${IDLE_MS}ms`] });
    tunnel = await startQuickTunnel(serve, origin.url);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('a stalled body gets 408, the origin request is cancelled, and the edge counts it', async () => {
    const aborted = origin.aborted.length;
    const up = await startUpload(serve.httpPort, tunnel.hostname, 100, 10);
    await Promise.race([
      up.closed,
      eventually(() => up.text().includes('\r\n\r\n'), 10 * IDLE_MS + 5_000, 'a response to the stalled upload'),
    ]);
    assert.match(up.text(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(up.text(), /\r\nconnection: close\r\n/i);
    await eventually(() => origin.aborted.length > aborted, 5_000, 'the origin request to be cancelled');
    assert.equal(await edgeCounter(serve), 1);
    up.socket.destroy();
  });

  test('a body that keeps moving, however slowly, is not cut', async () => {
    const up = await startUpload(serve.httpPort, tunnel.hostname, 6, 1);
    // One byte per half idle period: slower than most clients, never idle for a whole period.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, IDLE_MS / 2));
      up.socket.write('x');
    }
    await eventually(() => up.text().includes('"bytes":6'), 5_000, 'the upload to be answered');
    assert.match(up.text(), /^HTTP\/1\.1 200 OK\r\n/);
    up.socket.destroy();
  });
});
