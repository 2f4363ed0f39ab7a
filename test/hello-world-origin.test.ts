import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, test } from 'node:test';
import { WebSocket } from 'ws';
import { HelloWorldOrigin } from '../src/connector/hello-world.js';
import { OriginProxy } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { startProxyHarness, visit } from './origin-harness.js';

const hello = new HelloWorldOrigin();
const proxy = new OriginProxy({ ingress: Ingress.validate([{ service: 'hello_world' }]) });
const h = await startProxyHarness(proxy);
after(async () => {
  await h.close();
  proxy.close();
  await hello.close();
});

test('hello-world-serves-its-page-and-health-through-a-tunnel', async () => {
  const page = await visit(h, '/', { host: 'hello.example.com' });
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'] ?? '', /text\/html/);
  assert.match(page.body, /Your tunnel works/);
  assert.match(page.body, /hello\.example\.com/, 'the page echoes the request headers');
  const health = await visit(h, '/_health');
  assert.equal(health.status, 200);
  assert.equal(health.body, 'OK\n');
  assert.equal((await visit(h, '/nope')).status, 404);
});

test('hello-world-websocket-echo-through-a-tunnel', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { headers: { host: 'hello.example.com' } });
  await once(ws, 'open');
  ws.send('ping text');
  const [text, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
  assert.equal(text.toString(), 'ping text');
  assert.equal(isBinary, false);
  ws.send(Buffer.from([1, 2, 3]));
  const [bin, isBin] = (await once(ws, 'message')) as [Buffer, boolean];
  assert.deepEqual([...bin], [1, 2, 3]);
  assert.equal(isBin, true);
  ws.close(1000);
  const [code] = (await once(ws, 'close')) as [number];
  assert.equal(code, 1000);
});

test('hello-world-sse-streams-numbered-events', async () => {
  const port = await hello.start();
  const events = await new Promise<string[]>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/sse?freq=20ms' }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        text += s;
        const got = text.split('\n\n').filter((e) => e !== '');
        if (got.length >= 3) {
          req.destroy();
          resolve(got.slice(0, 3));
        }
      });
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    req.end();
  });
  assert.deepEqual(events, ['id: 0\ndata: 0', 'id: 1\ndata: 1', 'id: 2\ndata: 2']);
});

test('hello-world-sse-refuses-a-silly-frequency', async () => {
  const r = await visit(h, '/sse?freq=1ns');
  assert.equal(r.status, 400);
  assert.match(r.body, /at least 10ms/);
});
