import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { VisitorLane } from '../src/edge/lane/visitor-lane.js';
import { exchange } from './support/raw-exchange.js';

/**
 * The visitor lane on a bare node http server (no warren around it, so it also runs on node 22 in
 * CI, where node's parser binding may change shape): its own timeouts, its size limit, and the
 * hand-over of a connection to node's server.
 */

describe('visitor lane: timeouts and hand-over on a bare server', () => {
  let server: Server;
  let port: number;
  let lane: VisitorLane;
  const laneSaw: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-length': 4 });
      res.end('node');
      req.resume();
    });
    lane = new VisitorLane(server, {
      handle(req, res) {
        if (req.url === '/node') return false;
        laneSaw.push(req.url ?? '');
        res.writeHead(200, 'OK', ['content-length', '4']);
        res.write(Buffer.from('lane'));
        res.end();
        return true;
      },
      clientError(err, socket) {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        socket.end(`HTTP/1.1 ${status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      },
      maxHeaderSize: 1024,
      headersTimeoutMs: 300,
      keepAliveTimeoutMs: 300,
    });
    assert.equal(lane.unavailable, undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    lane.closeAll();
    server.close();
    await once(server, 'close');
  });

  test('the lane answers what it takes and node what it declines, in order, on one connection', async () => {
    const replies = await exchange(
      port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /node HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(
      replies.map((r) => r.body),
      ['lane', 'node', 'node'],
      'after the hand-over, node reads the rest of the connection',
    );
    assert.deepEqual(laneSaw.slice(-1), ['/a']);
  });

  test('a head that never completes gets 408 and the connection closes', async () => {
    const replies = await exchange(port, 'GET /slow HTTP/1.1\r\nHo');
    assert.deepEqual(
      replies.map((r) => r.status),
      [408],
    );
  });

  test('a head over the size limit gets 400 from the same handler node uses', async () => {
    const replies = await exchange(port, `GET /big HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    assert.deepEqual(
      replies.map((r) => r.status),
      [400],
    );
  });

  test('an idle keep-alive connection is closed after its timeout, with nothing more sent', async () => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => {
      text += s;
    });
    await once(socket, 'connect');
    socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    let gaveUp = false;
    const deadline = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, 10_000);
    await once(socket, 'close');
    clearTimeout(deadline);
    assert.equal(gaveUp, false, 'the server closed the idle connection');
    assert.equal((text.match(/HTTP\/1\.1 /g) ?? []).length, 1);
    assert.match(text, /lane$/);
    const until = Date.now() + 5_000;
    while (lane.connections > 0 && Date.now() < until) await new Promise((r) => setImmediate(r));
    assert.equal(lane.connections, 0, 'the lane forgets closed connections');
  });
});
