import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';

describe('websockets through a quick tunnel', () => {
  const f = useQuickTunnel();

  const open = async (): Promise<WebSocket> => {
    const ws = new WebSocket(`ws://127.0.0.1:${f.serve.httpPort}/ws`, {
      headers: { host: f.tunnel.hostname },
      maxPayload: 64 * 1024 * 1024,
    });
    await once(ws, 'open');
    return ws;
  };
  const nextMessage = (ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> =>
    new Promise((resolve, reject) => {
      ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }));
      ws.once('error', reject);
    });

  test('text-and-binary-frames-echo', async () => {
    const ws = await open();
    ws.send('hello through the tunnel');
    const text = await nextMessage(ws);
    assert.equal(text.isBinary, false);
    assert.equal(text.data.toString(), 'hello through the tunnel');
    const bin = randomBytes(1024);
    ws.send(bin);
    const echoed = await nextMessage(ws);
    assert.equal(echoed.isBinary, true);
    assert.ok(echoed.data.equals(bin));
    ws.close();
    await once(ws, 'close');
  });

  test('sixteen-mib-binary-messages-echo-intact', async () => {
    const ws = await open();
    const big = randomBytes(16 * 1024 * 1024);
    for (let i = 0; i < 2; i++) {
      ws.send(big);
      const echoed = await nextMessage(ws);
      assert.equal(echoed.data.length, big.length);
      assert.ok(echoed.data.equals(big));
    }
    ws.close();
    await once(ws, 'close');
  });

  test('ping-gets-pong-through-the-tunnel', async () => {
    const ws = await open();
    const payload = Buffer.from('are you there');
    ws.ping(payload);
    const [pong] = (await once(ws, 'pong')) as [Buffer];
    assert.ok(pong.equals(payload));
    ws.close();
    await once(ws, 'close');
  });

  test('close-codes-pass-end-to-end-both-ways', async () => {
    // Origin closes with 4001.
    const a = await open();
    a.send('close:4001');
    const [codeA, reasonA] = (await once(a, 'close')) as [number, Buffer];
    assert.equal(codeA, 4001);
    assert.equal(reasonA.toString(), 'bye from origin');
    // Visitor closes with 4000: the origin echoes the close frame back with the same code.
    const b = await open();
    b.close(4000, 'visitor done');
    const [codeB] = (await once(b, 'close')) as [number];
    assert.equal(codeB, 4000);
  });

  test('two-hundred-concurrent-sockets-on-one-tunnel', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => open()));
    const replies = await Promise.all(
      sockets.map(async (ws, i) => {
        const p = nextMessage(ws);
        ws.send(`socket ${i}`);
        return (await p).data.toString();
      }),
    );
    assert.deepEqual(
      replies,
      sockets.map((_, i) => `socket ${i}`),
    );
    await Promise.all(
      sockets.map(async (ws) => {
        ws.close();
        await once(ws, 'close');
      }),
    );
  });

  test('upgrade-to-an-unknown-host-gets-a-404', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${f.serve.httpPort}/ws`, { headers: { host: 'nope.example.com' } });
    ws.on('error', () => {});
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['cf-ray']), /^[0-9a-f]{16}-/);
    res.resume();
    ws.terminate();
  });
});
