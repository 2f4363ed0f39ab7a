import type { Socket } from 'node:net';
import { RequestParser } from '../../protocol/index.js';
import type { VisitorRequest } from '../visit.js';
import { LaneResponse } from './lane-response.js';
import type { VisitorLane, VisitorLaneOptions } from './visitor-lane.js';

/** Bytes a visitor may send ahead of the response it waits for before its socket is paused. */
const MAX_QUEUED = 64 * 1024;

interface Head {
  method: string;
  url: string;
  headers: string[];
  minor: number;
  keepAlive: boolean;
  upgrade: boolean;
}

/** One visitor connection read by the lane: one request at a time, pipelined bytes wait their turn. */
export class LaneConnection {
  readonly socket: Socket;
  readonly #lane: VisitorLane;
  readonly #o: VisitorLaneOptions;
  readonly #parser: RequestParser;
  /** The bytes of a head that has not arrived whole (node's server needs them if it takes over). */
  #held: Buffer[] = [];
  #head: Head | undefined;
  /** The response the visitor waits for; further bytes wait in #queued. */
  #current: LaneResponse | undefined;
  #queued: Buffer | undefined;
  /** performance.now() at a head's first byte (0: no head under way), and when the last response ended. */
  #headSince: number;
  #idleSince = 0;
  #done = false;

  constructor(lane: VisitorLane, socket: Socket, o: VisitorLaneOptions) {
    this.#lane = lane;
    this.socket = socket;
    this.#o = o;
    this.#headSince = performance.now();
    this.#parser = new RequestParser(o.maxHeaderSize, (method, url, headers, minor, keepAlive, upgrade) => {
      this.#head = { method, url, headers, minor, keepAlive, upgrade };
    });
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('end', this.#onEnd);
  }

  /** `Connection: keep-alive` and `Keep-Alive: timeout=…`, as node's server writes them (one string per lane). */
  get keepAliveFields(): string {
    return this.#lane.keepAliveFields;
  }

  get idle(): boolean {
    return this.#current === undefined && this.#headSince === 0;
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#done) return;
    if (this.#current !== undefined) {
      this.#queued = this.#queued === undefined ? chunk : Buffer.concat([this.#queued, chunk]);
      if (this.#queued.length > MAX_QUEUED) this.socket.pause();
      return;
    }
    this.#read(chunk);
  };

  /**
   * The visitor is done sending: the connection ends now, a response under way with it (node's
   * server does the same: its httpAllowHalfOpen is off). The stream is reset when the socket
   * closes, so the origin's request is cancelled.
   */
  readonly #onEnd = (): void => {
    this.socket.end();
  };

  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#finish();
    this.#current?.gone();
    this.#current = undefined;
  };

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#lane.forget(this);
    this.#parser.close();
  }

  #read(chunk: Buffer): void {
    let data = chunk;
    for (;;) {
      if (this.#headSince === 0) this.#headSince = performance.now();
      const r = this.#parser.execute(data);
      if (typeof r !== 'number') {
        this.#refuse(r);
        return;
      }
      const head = this.#head;
      if (head === undefined) {
        this.#held.push(data); // a head longer than this read: the parser keeps its state
        return;
      }
      this.#head = undefined;
      this.#headSince = 0;
      this.#parser.reset();
      if (!this.#start(head)) {
        const held = this.#held;
        this.#held = [];
        this.#handOver(held.length === 0 ? data : Buffer.concat([...held, data]));
        return;
      }
      this.#held = [];
      if (r === data.length || this.#done) return;
      data = data.subarray(r);
      if (this.#current !== undefined) {
        this.#queued = data;
        return;
      }
    }
  }

  /** The request goes on in the lane (true), or it needs node's server (false). */
  #start(h: Head): boolean {
    if (h.upgrade) return false;
    let host: string | undefined;
    let hosts = 0;
    let accept: string | undefined;
    let xff: string | undefined;
    let cookie: string | undefined;
    let accessToken: string | undefined;
    const raw = h.headers;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'host') {
            host = value;
            hosts++;
          }
          break;
        case 6:
          if (name.toLowerCase() === 'cookie') cookie = cookie === undefined ? value : `${cookie}; ${value}`;
          else if (name.toLowerCase() === 'accept') accept = accept === undefined ? value : `${accept}, ${value}`;
          else if (name.toLowerCase() === 'expect') return false;
          break;
        case 14:
          if (name.toLowerCase() === 'content-length' && value !== '0') return false;
          break;
        case 15:
          if (name.toLowerCase() === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
          else if (name.toLowerCase() === 'cf-access-token')
            accessToken = accessToken === undefined ? value : `${accessToken}, ${value}`;
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') return false;
          break;
      }
    }
    if (hosts !== 1) return false;
    const req: VisitorRequest = {
      method: h.method,
      url: h.url,
      rawHeaders: raw,
      headers: { host, accept, 'x-forwarded-for': xff, cookie, 'cf-access-token': accessToken },
      complete: true,
      socket: this.socket,
    };
    const res = new LaneResponse(this, h.method, h.minor, h.keepAlive);
    this.#current = res;
    if (this.#o.handle(req, res)) return true;
    this.#current = undefined;
    return false;
  }

  #handOver(bytes: Buffer): void {
    this.#done = true;
    this.#parser.close();
    this.socket.removeListener('data', this.#onData);
    this.socket.removeListener('error', this.#onError);
    this.socket.removeListener('close', this.#onClose);
    this.socket.removeListener('end', this.#onEnd);
    this.#lane.handOver(this, bytes);
  }

  /** What node's server answers to a head its parser refuses (400, 431) or one that took too long (408). */
  #refuse(err: NodeJS.ErrnoException): void {
    this.#finish();
    this.#o.clientError(err, this.socket);
  }

  /** @internal the response `res` is written whole. */
  responseEnded(res: LaneResponse): void {
    if (this.#current !== res) return;
    this.#current = undefined;
    if (!res.keepAlive) {
      this.#finish();
      this.socket.end();
      return;
    }
    this.#idleSince = performance.now();
    const queued = this.#queued;
    if (queued === undefined) return;
    this.#queued = undefined;
    if (this.socket.isPaused()) this.socket.resume();
    // Pipelined requests are read on the next turn: this one's response is still being framed.
    setImmediate(() => {
      if (!this.#done) this.#read(queued);
    });
  }

  /** Called by the lane's sweep: a head past its time gets 408, an idle connection past its time closes. */
  expire(now: number, headersMs: number, keepAliveMs: number): void {
    if (this.#current !== undefined) return;
    if (this.#headSince !== 0) {
      if (now - this.#headSince < headersMs) return;
      const err: NodeJS.ErrnoException = new Error('the request head took too long');
      err.code = 'ERR_HTTP_REQUEST_TIMEOUT';
      this.#refuse(err);
    } else if (now - this.#idleSince >= keepAliveMs) this.socket.destroy();
  }
}
