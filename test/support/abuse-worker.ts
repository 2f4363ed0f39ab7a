import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The attacker of test/abuse-visitors.test.ts, in its own thread so that its thousand sockets do
 * not stall the event loop that times the other visitors' requests.
 */
export interface AbuseOrder {
  port: number;
  host: string;
  slowBodies: number;
  bigHeads: number;
  bigHeadFields: number;
  deadlineMs: number;
}

export interface AbuseReport {
  got408: number;
  got431: number;
  openedMs: number;
  answeredMs: number;
}

const order = workerData as AbuseOrder;

/** Reads one socket until the peer closes it or it has a whole response head. */
function reader(socket: Socket): () => string {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (s: string) => {
    text += s;
  });
  socket.on('error', () => {});
  return () => text;
}

/** Announces a 100-byte body, sends 1 byte, then nothing. */
async function slowBody(): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect(order.port, '127.0.0.1');
  const text = reader(socket);
  await once(socket, 'connect');
  socket.write(`POST /upload HTTP/1.1\r\nHost: ${order.host}\r\nContent-Length: 100\r\n\r\nx`);
  return { socket, text };
}

function bigHead(): { socket: Socket; text: () => string } {
  let s = `GET /echo HTTP/1.1\r\nHost: ${order.host}\r\nConnection: close\r\n`;
  for (let i = 0; i < order.bigHeadFields; i++) s += `x-h${i}: v\r\n`;
  const socket = connect(order.port, '127.0.0.1');
  const text = reader(socket);
  socket.write(`${s}\r\n`);
  return { socket, text };
}

const start = performance.now();
const heads = Array.from({ length: order.bigHeads }, bigHead);
const slow: { socket: Socket; text: () => string }[] = [];
for (let i = 0; i < order.slowBodies; i += 100) {
  slow.push(...(await Promise.all(Array.from({ length: Math.min(100, order.slowBodies - i) }, slowBody))));
}
const openedMs = performance.now() - start;
const all = [...slow, ...heads];
const deadline = start + order.deadlineMs;
while (performance.now() < deadline && !all.every((s) => s.text().includes('\r\n\r\n') || s.socket.destroyed)) {
  await new Promise((r) => setTimeout(r, 20));
}
const report: AbuseReport = {
  got408: slow.filter((s) => s.text().startsWith('HTTP/1.1 408 ')).length,
  got431: heads.filter((s) => s.text().startsWith('HTTP/1.1 431 ')).length,
  openedMs: Math.round(openedMs),
  answeredMs: Math.round(performance.now() - start),
};
for (const s of all) s.socket.destroy();
parentPort?.postMessage(report);
