import { validateHeaderName, validateHeaderValue } from 'node:http';
import { kVisit, type Visit, type VisitorResponse } from '../visit.js';
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

/**
 * Responses with work left for the end of this turn (a head no body bytes took along, a close to
 * report once the stream is done): one tick for all of them, not one per response.
 */
const turnEnd: LaneResponse[] = [];

function runTurnEnd(): void {
  for (let i = 0; i < turnEnd.length; i++) (turnEnd[i] as LaneResponse).turnEnded();
  turnEnd.length = 0;
}

/** Body pieces up to this size leave in one buffer with the head (or their chunk framing); larger ones are not copied. */
const JOIN_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n', 'latin1');

/** A response written straight to the visitor's socket, framed as node's ServerResponse frames it. */
export class LaneResponse implements VisitorResponse {
  headersSent = false;
  writableFinished = false;
  /** attachVisit's slot, declared so that setting it does not change the object's shape. */
  [kVisit]: Visit | undefined = undefined;
  keepAlive: boolean;
  readonly #c: LaneConnection;
  readonly #method: string;
  readonly #minor: number;
  #chunked = false;
  #bodyless = false;
  /** The head, until the first body bytes (or the end, or the end of the turn) take it along. */
  #head: string | undefined;
  #gone = false;
  #atTurnEnd = false;
  #onClose: (() => void) | undefined;

  constructor(c: LaneConnection, method: string, minor: number, keepAlive: boolean) {
    this.#c = c;
    this.#method = method;
    this.#minor = minor;
    this.keepAlive = keepAlive;
  }

  /** The visitor left, or its connection is ending: nothing more can be written. */
  get destroyed(): boolean {
    return this.#gone || !this.#c.socket.writable;
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
    // The head leaves with the first body bytes (often the whole body) in one buffer and one write.
    this.#head = `${s}\r\n`;
    this.#atEndOfTurn();
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.#bodyless || chunk.length === 0) return true;
    const socket = this.#c.socket;
    const head = this.#head;
    const chunked = this.#chunked;
    if (chunk.length > JOIN_BYTES) {
      if (head !== undefined || chunked) socket.cork();
      if (head !== undefined) this.flushHead();
      if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      let ok = socket.write(chunk);
      if (chunked) ok = socket.write(CRLF);
      if (head !== undefined || chunked) socket.uncork();
      return ok;
    }
    this.#head = undefined;
    const prefix = chunked ? `${head ?? ''}${chunk.length.toString(16)}\r\n` : (head ?? '');
    if (prefix === '') return socket.write(chunk);
    const out = Buffer.allocUnsafe(prefix.length + chunk.length + (chunked ? 2 : 0));
    out.write(prefix, 0, 'latin1');
    chunk.copy(out, prefix.length);
    if (chunked) CRLF.copy(out, prefix.length + chunk.length);
    return socket.write(out);
  }

  end(body?: string): void {
    if (this.writableFinished || this.#gone) return;
    if (body !== undefined) this.write(Buffer.from(body));
    const head = this.#head;
    this.#head = undefined;
    if (head !== undefined || this.#chunked)
      this.#c.socket.write(this.#chunked ? `${head ?? ''}0\r\n\r\n` : (head as string), 'latin1');
    this.writableFinished = true;
    this.#c.responseEnded(this);
    this.#atEndOfTurn(); // the close is reported after the stream that called end() is done
  }

  #atEndOfTurn(): void {
    if (this.#atTurnEnd) return;
    this.#atTurnEnd = true;
    if (turnEnd.push(this) === 1) process.nextTick(runTurnEnd);
  }

  /** @internal the turn is over: a head still waiting leaves alone; an ended response reports its close. */
  turnEnded(): void {
    this.#atTurnEnd = false;
    this.flushHead();
    if (this.writableFinished) this.closed();
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

  /** @internal the head leaves alone: no body bytes came in the turn that wrote it (or a large piece follows). */
  flushHead(): void {
    const head = this.#head;
    if (head === undefined || this.#gone) return;
    this.#head = undefined;
    this.#c.socket.write(head, 'latin1');
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
