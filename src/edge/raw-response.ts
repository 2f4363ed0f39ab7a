import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, type VisitorError } from './error-page.js';
import { reasonPhrase } from './reason-phrase.js';

/** A status line and header block for a raw socket (upgrade requests); throws on an invalid field. */
export function serializeHead(status: number, headers: readonly string[]): string {
  let s = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    s += `${name}: ${value}\r\n`;
  }
  return `${s}\r\n`;
}

/** An error page on a raw socket, which then closes. */
export function writeRawError(socket: Duplex, err: VisitorError, ray: string, json: boolean): void {
  if (!socket.writable) return;
  const { type, body } = errorBody(err, ray, json);
  socket.end(
    serializeHead(err.status, [
      'content-type',
      type,
      'content-length',
      String(Buffer.byteLength(body)),
      'cf-ray',
      ray,
      'connection',
      'close',
    ]) + body,
  );
}
