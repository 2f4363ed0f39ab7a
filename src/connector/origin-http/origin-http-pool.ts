import { connect as netConnect, type Socket } from 'node:net';
import { type BodySink, ResponseParser } from '../../protocol/index.js';
import { armTimeouts } from '../origin-connect.js';
import type { OriginRequest } from '../origin-request.js';
import type { OriginHttpHead } from './origin-request-head.js';

/** What hears one request's outcome on an `OriginHttpPool` (origin-pool.ts's PoolCall). */
export interface OriginHttpCall {
  readonly request: OriginRequest;
  /** `abort` cancels the request (its connection is closed, not reused). */
  onConnect(abort: (err?: Error) => void): void;
  /** The final (non-1xx) response head; `resume` restarts a body paused by `onData` returning false. */
  onHeaders(status: number, headers: string[], resume: () => void): void;
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  /** `reused`: the request went out on a pooled connection (an idle-connection failure may be retried). */
  onError(err: Error, reused: boolean): void;
}

export interface OriginHttpPoolOptions {
  host: string;
  port: number;
  socketPath: string | undefined;
  connectTimeoutMs: number;
  /** Idle connections close after this long (0: never). */
  keepAliveTimeoutMs: number;
  /** Idle connections kept at most (cloudflared's keepAliveConnections). */
  maxIdle: number;
  tcpKeepAliveMs: number;
}

/**
 * Keep-alive HTTP/1.1 connections to one plain-http origin (TCP or unix socket): the request head is
 * written as one string, the response parsed by node's own llhttp binding (protocol/llhttp.ts), body
 * bytes handed on as they arrive with backpressure. No pipelining: one request per connection at a time.
 */
export class OriginHttpPool {
  readonly options: OriginHttpPoolOptions;
  readonly defaultHost: string;
  /** Oldest first: released at the end, taken from the end. */
  readonly #idle: OriginConnection[] = [];
  readonly #all = new Set<OriginConnection>();
  #retired = false;
  /**
   * Closes idle connections `keepAliveTimeoutMs` after their release: one timer for the pool, armed
   * for the oldest, instead of a socket timeout that every read and write of every request refreshes.
   */
  #sweepTimer: NodeJS.Timeout | undefined;
  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    const now = performance.now();
    const idle = this.#idle;
    for (let c = idle[0]; c !== undefined && now - c.idleSince >= this.options.keepAliveTimeoutMs; c = idle[0]) {
      idle.shift();
      c.destroy();
    }
    this.#armSweep();
  };

  constructor(options: OriginHttpPoolOptions) {
    this.options = options;
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    this.defaultHost = options.socketPath !== undefined ? 'localhost' : `${host}:${options.port}`;
  }

  /** Sends `head` (from `requestHeadOf`) and the call's body on an idle connection, or a new one. */
  dispatch(call: OriginHttpCall, head: OriginHttpHead): void {
    let c = this.#idle.pop();
    const reused = c !== undefined;
    if (c === undefined) {
      c = new OriginConnection(this);
      this.#all.add(c);
    }
    c.run(call, head, reused);
  }

  /** @internal a connection finished a response and may serve another. */
  release(c: OriginConnection): void {
    if (this.#retired || this.#idle.length >= this.options.maxIdle) {
      c.destroy();
      return;
    }
    c.idleSince = performance.now();
    this.#idle.push(c);
    if (this.#sweepTimer === undefined) this.#armSweep();
  }

  #armSweep(): void {
    const oldest = this.#idle[0];
    const ms = this.options.keepAliveTimeoutMs;
    if (oldest === undefined || ms <= 0 || this.#retired) return;
    this.#sweepTimer = setTimeout(this.#sweep, Math.max(1, oldest.idleSince + ms - performance.now()));
    this.#sweepTimer.unref();
  }

  /** @internal */
  forget(c: OriginConnection): void {
    this.#all.delete(c);
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  /** Idle connections close now; busy ones close when their response ends. */
  retire(): void {
    this.#retired = true;
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const c of this.#idle.splice(0)) c.destroy();
  }

  destroy(): void {
    this.#retired = true;
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const c of [...this.#all]) c.destroy();
  }
}

/**
 * Every origin connection's reads land in this one buffer (net's `onread`), which spares each read
 * a 64 KiB allocation, a copy into a Buffer of its own and node's Readable machinery. It is safe
 * because nothing keeps a view of it: a read is parsed at once, node's parser copies body bytes
 * into Buffers of their own and saves header bytes it has not turned into strings yet
 * (test/origin-http-pool.test.ts checks both across connections).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What a request cancelled from the edge fails with (undici's code, which the handlers know). */
function abortedError(): Error {
  return Object.assign(new Error('the request was aborted'), { code: 'UND_ERR_ABORTED' });
}

function closedError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/** One origin connection and its parser, reused across requests. */
class OriginConnection {
  readonly #pool: OriginHttpPool;
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  #call: OriginHttpCall | undefined;
  #reused = false;
  #headOnly = false;
  #answered = false;
  #interim = false;
  #keepAlive = false;
  /** The request body went out whole (a response before that closes the connection). */
  #bodySent = false;
  #unsolicited = false;
  /** The response ended inside the current read: the connection returns to the pool after it. */
  #releasable = false;
  #error: Error | undefined;
  #destroyed = false;
  /** @internal performance.now() when the pool took it back as idle. */
  idleSince = 0;
  readonly #resume = (): void => {
    this.#socket.resume();
  };

  constructor(pool: OriginHttpPool) {
    this.#pool = pool;
    const o = pool.options;
    // Reads land in the shared READ_BUFFER and are parsed at once (no 'data' events).
    const onread = { buffer: READ_BUFFER, callback: (n: number): boolean => this.#onData(n) };
    const socket = armTimeouts(
      netConnect(o.socketPath !== undefined ? { path: o.socketPath, onread } : { host: o.host, port: o.port, onread }),
      o.connectTimeoutMs,
      0,
      false,
    );
    socket.setNoDelay(true);
    if (o.tcpKeepAliveMs > 0) socket.setKeepAlive(true, o.tcpKeepAliveMs);
    this.#socket = socket;
    this.#parser = new ResponseParser(
      () => {
        // A response starting while no request waits (even a partial one, behind the previous
        // response in the same read): the connection is out of step and never serves again.
        if (this.#call === undefined) this.#unsolicited = true;
      },
      (status, headers, keepAlive, upgrade) => this.#onHead(status, headers, keepAlive, upgrade),
      (chunk) => this.#onBody(chunk),
      () => this.#onComplete(),
    );
    socket.on('error', (err: Error) => {
      this.#error ??= err;
    });
    socket.on('end', () => {
      const err = this.#parser.finish();
      if (err !== undefined) this.#error ??= err;
      socket.destroy();
    });
    socket.on('close', () => this.#onClose());
  }

  run(call: OriginHttpCall, head: OriginHttpHead, reused: boolean): void {
    this.#call = call;
    this.#reused = reused;
    this.#answered = false;
    this.#interim = false;
    this.#headOnly = call.request.method === 'HEAD';
    call.onConnect((err) => {
      if (this.#call !== call) return;
      this.#fail(err ?? abortedError());
    });
    if (this.#call !== call) return; // aborted at once
    const socket = this.#socket;
    const body = call.request.body;
    if (body === null) {
      this.#bodySent = true;
      socket.write(head.text, 'latin1');
    } else if (Buffer.isBuffer(body)) {
      this.#bodySent = true;
      socket.cork();
      socket.write(head.text, 'latin1');
      socket.write(body);
      socket.uncork();
    } else {
      this.#bodySent = false;
      socket.write(head.text, 'latin1');
      body.pipeTo(this.#bodySink(call, head.length));
    }
  }

  /**
   * The streamed request body: exactly `length` bytes reach the origin, or the connection is closed.
   * Written straight to the socket (no Writable of its own to queue pieces in): the link's reads land
   * in a reused buffer, and a socket that queued nothing has kept nothing of it (mux-stream.ts).
   */
  #bodySink(call: OriginHttpCall, length: number): BodySink {
    let left = length;
    let ended = false;
    const socket = this.#socket;
    const current = (): boolean => this.#call === call;
    const fail = (message: string): void => {
      if (current()) this.#fail(new Error(message));
    };
    return {
      writesThrough: true,
      get destroyed(): boolean {
        return !current() || socket.destroyed;
      },
      get writableFinished(): boolean {
        return ended;
      },
      get writableLength(): number {
        return socket.writableLength;
      },
      write(chunk: Buffer): boolean {
        if (!current()) return true;
        if (chunk.length > left) {
          fail('the request body is longer than its Content-Length');
          return true;
        }
        left -= chunk.length;
        return socket.write(chunk);
      },
      end: (): void => {
        if (ended) return;
        ended = true;
        if (left > 0) fail('the request body ended before its Content-Length');
        else if (current()) this.#bodySent = true;
      },
      // The stream was reset (the visitor went away): the same outcome as the call's own abort.
      destroy: (): void => {
        if (current()) this.#fail(abortedError());
      },
      cork: (): void => socket.cork(),
      uncork: (): void => socket.uncork(),
      once(_event: 'drain', listener: () => void): unknown {
        return socket.once('drain', listener);
      },
    };
  }

  /** `n` bytes from the origin are in READ_BUFFER; always true (backpressure pauses the socket itself). */
  #onData(n: number): boolean {
    if (this.#call === undefined) {
      // Bytes nobody asked for: the connection is out of step.
      this.destroy();
      return true;
    }
    const err = this.#parser.execute(READ_BUFFER.subarray(0, n));
    if (err !== undefined) this.#fail(err);
    else if (this.#unsolicited) this.#fail(new Error('the origin sent a response nobody asked for'));
    else if (this.#releasable) {
      // Released only once the whole read is parsed: no stray byte followed the response.
      this.#releasable = false;
      this.#socket.resume();
      this.#pool.release(this);
    }
    return true;
  }

  #onHead(status: number, headers: string[], keepAlive: boolean, upgrade: boolean): number {
    const call = this.#call;
    if (call === undefined || this.#answered) return 1;
    if (upgrade || status === 101) {
      this.#fail(new Error(`the origin answered ${status} (switching protocols) to a request without Upgrade`));
      return 1;
    }
    if (status < 200) {
      this.#interim = true; // 1xx: the origin's business; the final response follows
      return 0;
    }
    this.#answered = true;
    this.#keepAlive = keepAlive;
    call.onHeaders(status, headers, this.#resume);
    return this.#headOnly ? 1 : 0;
  }

  #onBody(chunk: Buffer): void {
    const call = this.#call;
    if (call !== undefined && !call.onData(chunk)) this.#socket.pause();
  }

  #onComplete(): void {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    const call = this.#call;
    if (call === undefined || !this.#answered) return;
    this.#call = undefined;
    if (this.#keepAlive && this.#bodySent && !this.#destroyed) this.#releasable = true;
    else this.destroy();
    call.onComplete();
  }

  #fail(err: Error): void {
    const call = this.#call;
    this.#call = undefined;
    this.destroy();
    call?.onError(err, this.#reused);
  }

  #onClose(): void {
    this.#destroyed = true;
    this.#pool.forget(this);
    const call = this.#call;
    if (call === undefined) return;
    this.#call = undefined;
    const err =
      this.#error !== undefined && (this.#error as NodeJS.ErrnoException).code !== undefined && !this.#answered
        ? this.#error
        : closedError(
            this.#answered
              ? 'the origin closed the connection mid-response'
              : 'the origin closed the connection before answering',
          );
    call.onError(err, this.#reused);
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#pool.forget(this);
    this.#socket.destroy();
  }
}
