import { once } from 'node:events';
import { connect } from 'node:net';
import { ResponseParser } from '../../src/protocol/llhttp.js';

/** Raw HTTP/1.1 exchanges on one connection, read back with node's own response parser. */

export interface Reply {
  status: number;
  headers: string[];
  body: string;
}

export function field(r: Reply, name: string): string | undefined {
  for (let i = 0; i < r.headers.length; i += 2)
    if ((r.headers[i] as string).toLowerCase() === name) return r.headers[i + 1] as string;
  return undefined;
}

/** Writes `bytes` on one connection and reads responses (node's own parser) until the server closes it. */
export async function exchange(port: number, bytes: string, headRequests: number[] = []): Promise<Reply[]> {
  const replies: Reply[] = [];
  let body: Buffer[] = [];
  let current: Reply | undefined;
  const parser = new ResponseParser(
    () => {
      body = [];
    },
    (status, headers) => {
      current = { status, headers, body: '' };
      return headRequests.includes(replies.length) ? 1 : 0;
    },
    (chunk) => body.push(Buffer.from(chunk)),
    () => {
      const r = current as Reply;
      r.body = Buffer.concat(body).toString('latin1');
      replies.push(r);
    },
  );
  const socket = connect(port, '127.0.0.1');
  socket.on('data', (d: Buffer) => {
    const err = parser.execute(d);
    if (err !== undefined) socket.destroy(err);
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(bytes, 'latin1');
  const deadline = setTimeout(() => socket.destroy(), 10_000);
  await once(socket, 'close');
  clearTimeout(deadline);
  parser.finish();
  parser.close();
  return replies;
}
