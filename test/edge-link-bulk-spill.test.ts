import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { test } from 'node:test';
import type { MuxStream, Registration } from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';
import {
  closedAfterTests,
  dialTunnel,
  type EdgeHarness,
  quickSecretAuth,
  type RawLink,
  register,
  startEdge,
} from './support/raw-tunnel-client.js';

/**
 * One connector with two HA links (raw links, src/protocol only) against an in-process edge. The
 * edge packs the replica's requests on its first link (one TLS write per loop turn instead of one
 * per link), but a request never waits behind a bulk transfer: while the first link carries a
 * response or an upload that is large or of unknown length, new requests go on the second.
 */

const { links: opened, edges: harnesses } = closedAfterTests();

/** A raw link answering `x-who: <who>`; `/stream` gets a head without length and is kept open, `/upload` is kept unanswered. */
async function connectorLink(h: EdgeHarness, who: string, held: Map<string, MuxStream>): Promise<RawLink> {
  const link = await dialTunnel(h.tunnelPort, h.ca);
  opened.push(link);
  link.conn.onStream = (stream, head) => {
    stream.onReset = () => {};
    if (head.path === '/stream') {
      stream.respond({ status: 200, headers: ['x-who', who] });
      stream.write(Buffer.from('first;'));
      held.set(head.path, stream);
      return;
    }
    if (head.path === '/big') {
      stream.respond({ status: 200, headers: ['x-who', who, 'content-length', String(1024 * 1024)] });
      stream.write(Buffer.alloc(1024));
      held.set(head.path, stream);
      return;
    }
    if (head.path === '/upload') {
      held.set(head.path, stream);
      return;
    }
    stream.respond({ status: 200, headers: ['x-who', who, 'content-length', '2'], endOfStream: false });
    stream.write(Buffer.from('ok'));
    stream.end();
  };
  return link;
}

/** One GET on a connection of its own: who answered. */
function who(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/small', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['x-who'] ?? '')));
    });
    req.on('error', reject);
    req.end();
  });
}

async function whos(port: number, host: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await who(port, host));
  return out;
}

test('a-replicas-requests-share-its-first-link-and-avoid-a-link-carrying-a-bulk-transfer', async () => {
  const h = await startEdge();
  harnesses.push(h);
  const held = new Map<string, MuxStream>();
  const l0 = await connectorLink(h, 'link0', held);
  const reg = (await register(l0, { kind: 'quick-new' }, 0, undefined, 'replica')) as Registration;
  const quick = reg.quick;
  const host = reg.hostname;
  assert.ok(quick !== undefined && host !== undefined, JSON.stringify(reg));
  const l1 = await connectorLink(h, 'link1', held);
  const joined = await register(l1, quickSecretAuth(l1, quick), 1, undefined, 'replica');
  assert.ok('connectionId' in joined, JSON.stringify(joined));
  const port = h.httpPort;

  assert.deepEqual(await whos(port, host, 6), Array(6).fill('link0'), 'the HA links do not take turns');

  // A response of unknown length under way on link0: new requests go on link1 until it ends.
  let streamed: IncomingMessage | undefined;
  const streamedEnd = new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stream', headers: { host }, agent: false }, (res) => {
      streamed = res;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    req.on('error', reject);
    req.end();
  });
  await eventually(() => streamed !== undefined, 5_000, 'the streamed head');
  assert.equal(streamed?.headers['x-who'], 'link0');
  assert.deepEqual(await whos(port, host, 4), Array(4).fill('link1'), 'a bulk transfer is not queued behind');
  const s = held.get('/stream');
  assert.ok(s !== undefined);
  s.write(Buffer.from('last'));
  s.end();
  assert.equal(await streamedEnd, 'first;last');
  await eventually(async () => (await who(port, host)) === 'link0', 5_000, 'link0 picked again once it ended');

  // A large Content-Length counts too, and so does an upload of unknown length.
  const big = request({ host: '127.0.0.1', port, path: '/big', headers: { host }, agent: false });
  big.on('error', () => {});
  big.end();
  const bigRes = await new Promise<IncomingMessage>((resolve) => big.once('response', resolve));
  assert.equal(bigRes.headers['x-who'], 'link0');
  assert.deepEqual(await whos(port, host, 3), Array(3).fill('link1'), 'a 1 MiB response is a bulk transfer');
  bigRes.destroy();
  await eventually(async () => (await who(port, host)) === 'link0', 5_000, 'link0 picked again after the visitor left');

  const up = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { host }, agent: false });
  up.on('error', () => {});
  up.write('a chunk of an upload of unknown length');
  await eventually(() => held.has('/upload'), 5_000, 'the upload reached link0');
  assert.deepEqual(await whos(port, host, 3), Array(3).fill('link1'), 'an upload of unknown length is a bulk transfer');
  up.destroy();
  await eventually(async () => (await who(port, host)) === 'link0', 5_000, 'link0 picked again after the upload');
});
