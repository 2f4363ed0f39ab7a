import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { VisitorResponse } from '../visit.js';
import type { LaneConnection } from './lane-connection.js';

let dateText = '';
let dateUntil = 0;
/** The Date field, rendered once a second (as node's server does). */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
}

function emitClose(res: LaneResponse): void {
  res.closed();
}

/** A response written straight to the visitor's socket, framed as node's ServerResponse frames it. */
export class LaneResponse implements VisitorResponse {
  headersSent = false;
  writableFinished = false;
  keepAlive: boolean;
  readonly #c: LaneConnection;
  readonly #method: string;
  readonly #minor: number;
  #chunked = false;
  #bodyless = false;
  #corked = false;
  #gone = false;
  #onClose: (() => void) | undefined;

  constructor(c: LaneConnection, method: string, minor: number, keepAlive: boolean) {
    this.#c = c;
    this.#method = method;
    this.#minor = minor;
    this.keepAlive = keepAlive;
  }

  get destroyed(): boolean {
    return this.#gone || this.#c.socket.destroyed;
  }

  /** Throws (writing nothing) on an invalid field, as node's writeHead does. */
  writeHead(status: number, reason: string, headers: string[] | Record<string, string | number>): this {
    if (this.headersSent) throw new Error('the response head was already written');
    const list = Array.isArray(headers) ? headers : Object.entries(headers).flat().map(String);
    let s = `HTTP/1.1 ${status} ${reason}\r\n`;
    let length = false;
    let date = false;
    let close = !this.keepAlive;
    let connection = false;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i] as string;
      const value = list[i + 1] as string;
      validateHeaderName(name);
      validateHeaderValue(name, value);
      s += `${name}: ${value}\r\n`;
      const n = name.length;
      if (n === 14 && name.toLowerCase() === 'content-length') length = true;
      else if (n === 4 && name.toLowerCase() === 'date') date = true;
      else if (n === 10 && name.toLowerCase() === 'connection') {
        connection = true;
        if (value.toLowerCase() === 'close') close = true;
      }
    }
    if (!date) s += `Date: ${httpDate()}\r\n`;
    this.#bodyless = this.#method === 'HEAD' || status === 204 || status === 304 || status < 200;
    if (!length && !this.#bodyless) {
      if (!close && this.#minor === 1) {
        this.#chunked = true;
        s += 'Transfer-Encoding: chunked\r\n';
      } else close = true; // the body ends with the connection
    }
    if (close) {
      if (!connection) s += 'Connection: close\r\n';
      this.keepAlive = false;
    } else if (!connection) s += this.#c.keepAliveFields;
    this.headersSent = true;
    const socket = this.#c.socket;
    // The head leaves with the first body bytes (often the whole body) in one write.
    socket.cork();
    this.#corked = true;
    process.nextTick(uncorkResponse, this);
    socket.write(`${s}\r\n`, 'latin1');
    return this;
  }

  write(chunk: Buffer): boolean {
    const socket = this.#c.socket;
    if (this.#bodyless || chunk.length === 0) return true;
    if (!this.#chunked) return socket.write(chunk);
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    return ok;
  }

  end(body?: string): void {
    if (this.writableFinished || this.#gone) return;
    if (body !== undefined) this.write(Buffer.from(body));
    if (this.#chunked) this.#c.socket.write('0\r\n\r\n', 'latin1');
    this.writableFinished = true;
    this.uncorkNow();
    this.#c.responseEnded(this);
    process.nextTick(emitClose, this);
  }

  destroy(): void {
    this.#c.socket.destroy();
  }

  cork(): void {
    this.#c.socket.cork();
  }

  uncork(): void {
    this.#c.socket.uncork();
  }

  once(event: 'drain', listener: () => void): this {
    this.#c.socket.once(event, listener);
    return this;
  }

  on(_event: 'close', listener: () => void): this {
    this.#onClose = listener;
    return this;
  }

  /** @internal the head's cork ends (at the end of the response, or of the turn that wrote the head). */
  uncorkNow(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#c.socket.uncork();
  }

  /** @internal the visitor's connection closed before the response ended. */
  gone(): void {
    this.#gone = true;
    this.closed();
  }

  /** @internal runs the close listener once: after the response ended, or when the visitor left. */
  closed(): void {
    const l = this.#onClose;
    this.#onClose = undefined;
    l?.call(this);
  }
}

function uncorkResponse(res: LaneResponse): void {
  res.uncorkNow();
}
