import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { serializeHead } from '../raw-response.js';
import { reasonPhrase } from '../reason-phrase.js';
import type { AccessAnswer } from './access-http.js';

export type { AccessAnswer } from './access-http.js';

/** Writes what the Access gate answered (a redirect, 401, a login page) with the request's Ray ID. */
export function writeAccessAnswer(res: ServerResponse, a: AccessAnswer, ray: string): void {
  const headers = [...a.headers, 'content-length', String(Buffer.byteLength(a.body)), 'cf-ray', ray];
  res.writeHead(a.status, reasonPhrase(a.status), headers);
  res.end(a.body);
}

/** The same on an upgrade request's raw socket, which then closes. */
export function writeRawAccessAnswer(socket: Duplex, a: AccessAnswer, ray: string): void {
  if (!socket.writable) return;
  const headers = [
    ...a.headers,
    'content-length',
    String(Buffer.byteLength(a.body)),
    'cf-ray',
    ray,
    'connection',
    'close',
  ];
  socket.end(serializeHead(a.status, headers) + a.body);
}
