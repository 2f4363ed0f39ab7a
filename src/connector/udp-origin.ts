import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import { headerValue, type IngressRule } from './ingress/index.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';
import { acceptSession, sessionKeyOf } from './tcp/accept-session.js';
import { DatagramReader, frameDatagram } from './tcp/datagram-frames.js';
import { WsDecoder, WsEncoder } from './tcp/ws-frames.js';

/** Bytes of replies held for a stream that has no credit; past it, replies are dropped (UDP may drop). */
export const UDP_QUEUE_BYTES = 1024 * 1024; // 1 MiB per flow

/**
 * udp://host:port services: a client (`warren access udp`) opens one WebSocket per client flow
 * (its local address and port); inside it every datagram is a length-prefixed frame
 * (tcp/datagram-frames.ts). The connector sends them from one connected UDP socket per flow and
 * frames the origin's replies back. A flow with no datagram either way for
 * `originRequest.udpIdleTimeout` is closed: the socket, and our half of the stream (the client
 * sees the WebSocket end and forgets the flow).
 */
export class UdpOrigin implements OriginHandler {
  readonly #rule: IngressRule;
  readonly #label: string;
  readonly #context: OriginContext;
  readonly #host: string;
  readonly #port: number;

  constructor(rule: IngressRule, label: string, context: OriginContext, host: string, port: number) {
    this.#rule = rule;
    this.#label = label;
    this.#context = context;
    this.#host = host;
    this.#port = port;
  }

  serve(stream: MuxStream, head: RequestHead): void {
    const { metrics, logger } = this.#context;
    const ray = headerValue(head.headers, 'cf-ray');
    const key = sessionKeyOf(stream, head, this.#context, { index: this.#rule.index, label: this.#label, kind: 'udp' });
    if (key === undefined) return;
    const socket = createSocket(isIP(this.#host) === 6 ? 'udp6' : 'udp4');
    let connected = false;
    socket.once('error', (err) => {
      if (connected) return;
      metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
      const message = `cannot reach the UDP origin ${this.#label}: ${err.message}`;
      logger?.warn({ rayId: ray, code: 'WARREN_ORIGIN_ERROR', rule: this.#rule.index + 1 }, message);
      stream.reset('WARREN_ORIGIN_ERROR', message);
      socket.close();
    });
    stream.onReset = () => socket.close();
    socket.connect(this.#port, this.#host, () => {
      connected = true;
      if (stream.closed) {
        socket.close();
        return;
      }
      this.#flow(stream, head, socket, key);
    });
  }

  #flow(stream: MuxStream, head: RequestHead, socket: Socket, key: string): void {
    const { metrics } = this.#context;
    const udp = metrics?.udp;
    const started = acceptSession(stream, key, metrics, udp);
    const idleMs = this.#rule.originRequest.udpIdleTimeoutMs;
    let up = 0;
    let down = 0;
    let dropped = 0;
    let reason = 'client closed';
    let failed = false;
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      idle?.refresh();
    };
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (udp !== undefined) udp.active--;
      this.#context.sessionClosed(head, {
        kind: 'udp',
        rule: this.#rule.index + 1,
        toOrigin: up,
        fromOrigin: down,
        dropped,
        ms: Date.now() - started,
        reason,
        failed,
      });
    };
    // origin → client: framed replies, written straight to the stream; while it has no credit, at
    // most UDP_QUEUE_BYTES wait, and later replies are dropped and counted.
    const encoder = new WsEncoder({ mask: false });
    let queued = 0;
    let blocked = false;
    stream.whenWritable(() => {
      blocked = false;
      queued = 0;
    });
    encoder.on('data', (frame: Buffer) => {
      if (!stream.write(frame)) blocked = true;
      if (blocked) queued += frame.length;
    });
    encoder.once('end', () => stream.end());
    socket.on('message', (msg: Buffer) => {
      if (done) return;
      touch();
      if (blocked && queued >= UDP_QUEUE_BYTES) {
        dropped++;
        if (udp !== undefined) udp.dropped++;
        return;
      }
      if (encoder.writableEnded) return;
      down++;
      if (udp !== undefined) udp.fromOrigin++;
      encoder.write(frameDatagram(msg));
    });
    socket.on('error', (err) => {
      // An ICMP "port unreachable" surfaces here (ECONNREFUSED): UDP goes on, the datagram was lost.
      this.#context.logger?.debug({ rule: this.#rule.index + 1 }, `UDP origin ${this.#label}: ${err.message}`);
    });
    // client → origin: the WebSocket's payload bytes, split into datagrams.
    const reader = new DatagramReader((datagram) => {
      if (done) return;
      touch();
      up++;
      if (udp !== undefined) udp.toOrigin++;
      socket.send(datagram);
    });
    const decoder = new WsDecoder();
    decoder.on('data', (chunk: Buffer) => reader.push(chunk));
    decoder.once('error', (err) => {
      reason = `bad WebSocket frame: ${err.message}`;
      failed = true;
      stream.reset('WARREN_STREAM_RESET', `the client sent a bad WebSocket frame: ${err.message}`);
      finish();
    });
    // The client's end (its idle timeout, or it stopped): the flow is over, our half ends too.
    decoder.once('end', () => {
      if (!encoder.writableEnded) encoder.end();
      finish();
    });
    stream.pipeTo(decoder);
    idle = setTimeout(() => {
      reason = `idle ${Math.round(idleMs / 1000)} s`;
      finish();
      if (!encoder.writableEnded) encoder.end();
    }, idleMs);
    stream.onReset = (r) => {
      reason = `reset: ${r.message}`;
      failed = true;
      finish();
    };
    stream.onClose = () => finish();
  }
}
