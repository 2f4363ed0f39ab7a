import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { parserUnavailable } from '../../protocol/index.js';
import type { VisitorRequest, VisitorResponse } from '../visit.js';
import { LaneConnection } from './lane-connection.js';

/**
 * The edge's visitor lane: the plain HTTP port's connections are read with node's own llhttp
 * binding (protocol/llhttp.ts) instead of node's http server, for the requests that make up nearly
 * all of a tunnel's traffic: no body, no upgrade. Such a request costs no IncomingMessage, no
 * ServerResponse and none of their stream machinery: its head is parsed once, forwarded, and the
 * response head is written with its first body bytes in one socket write.
 *
 * Every other request (a body, an upgrade, Expect, a host the Access gate, ACME or a zone's
 * always_use_https has a say on, anything the handler declines) hands its connection to node's
 * http server from that request's first byte on: node then reads it as if it had from the start.
 * Malformed heads get the same answers as from node's server (its `clientError` handler).
 */

export interface VisitorLaneOptions {
  /** Takes a request (true), or leaves it and the rest of its connection to node's server (false). */
  handle(req: VisitorRequest, res: VisitorResponse): boolean;
  /** What node's server does with a head its parser refuses, or one that took too long. */
  clientError(err: NodeJS.ErrnoException, socket: Socket): void;
  maxHeaderSize: number;
  /** A request head must arrive whole within this (slow heads get 408). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export class VisitorLane {
  readonly #o: VisitorLaneOptions;
  readonly #server: Server;
  readonly #conns = new Set<LaneConnection>();
  #nodeListener: ((socket: Socket) => void) | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  readonly #sweepMs: number;

  /** `Connection: keep-alive` and `Keep-Alive: timeout=…` for the responses of every connection. */
  readonly keepAliveFields: string;

  /** Why the lane is not in use (node's server reads every request), or undefined. */
  readonly unavailable: string | undefined;

  constructor(server: Server, options: VisitorLaneOptions) {
    this.#o = options;
    this.#server = server;
    this.keepAliveFields = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(options.keepAliveTimeoutMs / 1000)}\r\n`;
    this.#sweepMs = Math.max(50, Math.floor(Math.min(options.headersTimeoutMs, options.keepAliveTimeoutMs) / 10));
    const listeners = server.listeners('connection');
    const node = listeners[0];
    this.unavailable =
      parserUnavailable ??
      (listeners.length === 1 && typeof node === 'function'
        ? undefined
        : `node's http server has ${listeners.length} connection listeners`);
    if (this.unavailable !== undefined) return;
    this.#nodeListener = node as (socket: Socket) => void;
    server.removeListener('connection', this.#nodeListener);
    server.on('connection', (socket: Socket) => this.#accept(socket));
  }

  /** Connections the lane reads now (not those handed to node's server). */
  get connections(): number {
    return this.#conns.size;
  }

  #accept(socket: Socket): void {
    const c = new LaneConnection(this, socket, this.#o);
    this.#conns.add(c);
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
      this.#sweeper.unref();
    }
  }

  /** @internal node's server reads `socket` from here on, starting with `bytes`. */
  handOver(c: LaneConnection, bytes: Buffer): void {
    this.forget(c);
    (this.#nodeListener as (socket: Socket) => void).call(this.#server, c.socket);
    if (bytes.length > 0) c.socket.emit('data', bytes);
  }

  /** @internal */
  forget(c: LaneConnection): void {
    this.#conns.delete(c);
    if (this.#conns.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const c of this.#conns) c.expire(now, this.#o.headersTimeoutMs, this.#o.keepAliveTimeoutMs);
  }

  /** Closes the connections that wait for a next request (the server is stopping). */
  closeIdle(): void {
    for (const c of this.#conns) if (c.idle) c.socket.destroy();
  }

  closeAll(): void {
    for (const c of this.#conns) c.socket.destroy();
  }
}
