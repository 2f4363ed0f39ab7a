import type { Duplex } from 'node:stream';
import { WarrenError } from '../errors/index.js';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../time/index.js';
import { type Frame, FrameParser, FrameType, type FrameTypeValue, MAX_FRAME_PAYLOAD } from './frame.js';
import type { LinkReader } from './link-reader.js';
import { LinkWriter } from './link-writer.js';
import {
  encodeJson,
  HeadError,
  MessageError,
  parseRequestHead,
  parseResponseHead,
  parseStreamReset,
  type RequestHead,
  type ResponseHead,
  requestHeadText,
  requestHeadTooLarge,
  responseHeadText,
  type StreamReset,
} from './messages.js';
import { MuxStream } from './mux-stream.js';

export interface MuxConnectionOptions {
  /** The edge opens streams; the connector accepts them. */
  role: 'edge' | 'connector';
  /** Per-stream window we grant the peer (our receive buffer per stream). */
  initialWindow: number;
  /** Ping interval. */
  heartbeatMs: number;
  /** Drop the link when nothing at all arrived for this long. */
  heartbeatTimeoutMs: number;
  /**
   * Largest frame payload accepted from the peer at first (default MAX_FRAME_PAYLOAD). The edge
   * starts an unregistered link at PRE_REGISTRATION_MAX_FRAME_PAYLOAD and raises it once registered.
   */
  maxFramePayload?: number;
  /** Drives the heartbeat and stamps pings (default SYSTEM_TIMERS); tests pass a ManualClock. */
  timers?: Timers | undefined;
  /**
   * The socket reads into this reader's reused buffer (it was dialled with `onread: reader.onread`)
   * instead of emitting 'data': payloads are views valid until the read returns (link-reader.ts).
   */
  reader?: LinkReader | undefined;
}

export const DEFAULT_INITIAL_WINDOW = 4 * 1024 * 1024; // 4 MiB per stream
export const DEFAULT_HEARTBEAT_MS = 5_000; // 5 seconds
/** Silent ping intervals after which a link is dropped; both sides use it, so either notices a dead peer. */
export const HEARTBEAT_MISSES_ALLOWED = 3;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = HEARTBEAT_MISSES_ALLOWED * DEFAULT_HEARTBEAT_MS; // 15 seconds

/** Socket bytes queued beyond this mark pause every stream's producer until 'drain'. */
const CONGESTION_MARK = 1024 * 1024; // 1 MiB
/** Ping and Pong carry 8 opaque bytes (the sender's clock). */
const PING_SIZE = 8;

/**
 * One multiplexed link over a (TLS) socket. Link-level frames on stream 0 go to
 * `onControl`; proxied requests are MuxStreams. Frames sent within one event-loop turn leave in
 * one socket write (link-writer.ts).
 */
export class MuxConnection {
  readonly socket: Duplex;
  readonly options: MuxConnectionOptions;
  /** Bytes of consumed-but-unacknowledged data after which we send credit. */
  readonly creditThreshold: number;
  /** Window the peer grants per stream; set from the handshake. */
  peerInitialWindow: number = DEFAULT_INITIAL_WINDOW;

  onControl: ((frame: Frame) => void) | undefined;
  /** Connector side: the edge opened a stream. */
  onStream: ((stream: MuxStream, head: RequestHead) => void) | undefined;
  onClose: ((err: WarrenError | undefined) => void) | undefined;

  readonly streams = new Map<number, MuxStream>();
  #nextStreamId = 1;
  #lastPeerStreamId = 0;
  #parser: FrameParser;
  readonly #writer: LinkWriter;
  #congested = false;
  readonly #reader: LinkReader | undefined;
  #waiting = new Set<MuxStream>();
  #recvCount = 0;
  #stopHeartbeat: Cancel | undefined;
  #closed = false;
  #closeError: WarrenError | undefined;
  constructor(socket: Duplex, options: MuxConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.creditThreshold = Math.max(16 * 1024, Math.floor(options.initialWindow / 4));
    // The batch counted towards congestion while it waited; if the socket took it all without
    // backing up, no 'drain' will come to release the streams that waited on it.
    this.#writer = new LinkWriter(
      socket,
      () => this.streams.size > 1,
      () => {
        if (this.#congested && !socket.writableNeedDrain) this.#onDrain();
      },
    );
    const reader = options.reader;
    this.#reader = reader;
    this.#parser = new FrameParser(
      (f) => this.#onFrame(f),
      options.maxFramePayload ?? MAX_FRAME_PAYLOAD,
      reader === undefined ? undefined : () => reader.hold(),
    );
    const onRead = (chunk: Buffer): void => {
      this.#recvCount++;
      const err = this.#parser.push(chunk);
      if (err !== undefined) this.destroy(err);
    };
    if (reader !== undefined) reader.attach(onRead);
    else socket.on('data', onRead);
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err: Error) => {
      this.#closeError ??= new WarrenError('WARREN_LINK_CLOSED', `link failed: ${err.message}`, {
        cause: err,
        retryable: true,
      });
    });
    socket.on('close', () => this.#onSocketClose());
    socket.on('end', () => socket.end());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The reused read buffer the socket reads into (connector side), or undefined: what a frame
   * carries is then a view of it, valid while the frame is handled (link-reader.ts).
   */
  get reader(): LinkReader | undefined {
    return this.#reader;
  }

  /** Reads from the peer so far: while it stands still, nothing at all arrived (the edge's stall watch compares it). */
  get reads(): number {
    return this.#recvCount;
  }

  /** Sends a Ping now, stamped with the clock; any frame back (the Pong or other) proves the peer reads and answers. */
  ping(): void {
    const ping = Buffer.allocUnsafe(PING_SIZE);
    ping.writeDoubleBE((this.options.timers ?? SYSTEM_TIMERS).now().getTime());
    this.sendFrame(FrameType.Ping, 0, ping);
  }

  /** Largest frame payload accepted from the peer from the next frame header on. */
  set maxFramePayload(limit: number) {
    this.#parser.maxPayload = limit;
  }

  get maxFramePayload(): number {
    return this.#parser.maxPayload;
  }

  /** Starts pings and the silence watchdog (the edge matches the interval the connector announced). */
  startHeartbeat(heartbeatMs = this.options.heartbeatMs, heartbeatTimeoutMs = this.options.heartbeatTimeoutMs): void {
    if (this.#stopHeartbeat !== undefined || this.#closed) return;
    const timers = this.options.timers ?? SYSTEM_TIMERS;
    let seen = this.#recvCount;
    let silentMs = 0;
    // SYSTEM_TIMERS' every() is unref'd: a link's heartbeat never keeps a stopping process alive.
    this.#stopHeartbeat = timers.every(heartbeatMs, () => {
      if (this.#recvCount === seen) silentMs += heartbeatMs;
      else silentMs = 0;
      seen = this.#recvCount;
      if (silentMs >= heartbeatTimeoutMs) {
        this.destroy(
          new WarrenError('WARREN_HEARTBEAT_TIMEOUT', `no frame from the peer for ${silentMs} ms`, { retryable: true }),
        );
        return;
      }
      this.ping();
    });
  }

  /** Edge side: opens a stream carrying a request. Throws HeadError (nothing sent) when the head breaks a limit. */
  openStream(head: RequestHead): MuxStream {
    const text = requestHeadText(head);
    const bytes = Buffer.byteLength(text, 'utf8');
    const tooLarge = requestHeadTooLarge(bytes);
    if (tooLarge !== undefined) throw tooLarge;
    const id = this.#nextStreamId;
    this.#nextStreamId = id >= 0xfffffffe ? 1 : id + 1;
    const stream = new MuxStream(this, id, this.peerInitialWindow);
    this.streams.set(id, stream);
    this.#sendText(FrameType.Request, id, text, bytes);
    if (head.endOfStream === true) stream.markLocalEnded();
    return stream;
  }

  /** @internal use MuxStream.respond. */
  respond(stream: MuxStream, head: ResponseHead): void {
    const text = responseHeadText(head);
    this.#sendText(FrameType.Response, stream.id, text, Buffer.byteLength(text, 'utf8'));
  }

  sendFrame(type: FrameTypeValue, streamId: number, payload?: Uint8Array): void {
    if (this.#closed) return;
    this.#writer.frame(type, streamId, payload);
    this.#checkCongestion();
  }

  /** Bytes waiting to leave: the socket's queue and this loop turn's batch (`warren tail`'s backlog check). */
  get writableLength(): number {
    return this.#writer.writableLength;
  }

  #sendText(type: FrameTypeValue, streamId: number, text: string, bytes: number): void {
    if (this.#closed) return;
    this.#writer.text(type, streamId, text, bytes);
    this.#checkCongestion();
  }

  #checkCongestion(): void {
    if (!this.#congested && this.#writer.writableLength > CONGESTION_MARK) this.#congested = true;
  }

  /** @internal */
  sendData(id: number, chunk: Buffer): void {
    this.sendFrame(FrameType.Data, id, chunk);
  }

  /** @internal */
  sendEnd(id: number): void {
    this.sendFrame(FrameType.End, id);
  }

  /** @internal */
  sendReset(id: number, reset: StreamReset): void {
    this.sendFrame(FrameType.Reset, id, encodeJson(reset));
  }

  /** @internal */
  sendWindow(id: number, credit: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(credit);
    this.sendFrame(FrameType.Window, id, b);
  }

  /** @internal Whether the socket is backed up; if so the stream is told when it drains. */
  congested(stream: MuxStream): boolean {
    if (!this.#congested) return false;
    this.#waiting.add(stream);
    return true;
  }

  /** @internal the peer broke the protocol: drop the link (its other streams get a reset). */
  violation(message: string): void {
    this.destroy(new WarrenError('WARREN_PROTOCOL', message));
  }

  /** @internal */
  forget(stream: MuxStream): void {
    this.streams.delete(stream.id);
    this.#waiting.delete(stream);
  }

  /** Flushes what is queued and closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#writer.writeBatch();
    this.socket.end();
  }

  destroy(err?: WarrenError): void {
    if (err !== undefined) this.#closeError ??= err;
    this.socket.destroy();
    // 'close' follows asynchronously; mark now so nothing else is written.
    this.#onSocketClose();
  }

  #onFrame(frame: Frame): void {
    if (this.#closed) return;
    const { type, streamId, payload } = frame;
    if (streamId === 0) {
      if (type === FrameType.Ping) {
        if (payload.length !== PING_SIZE) {
          this.destroy(new WarrenError('WARREN_PROTOCOL', `ping must carry ${PING_SIZE} bytes`));
          return;
        }
        // A peer that pings but never reads would otherwise grow our send queue without bound;
        // while it is backed up, any frame it reads proves we are alive anyway.
        if (this.writableLength <= CONGESTION_MARK) this.sendFrame(FrameType.Pong, 0, payload);
        return;
      }
      if (type === FrameType.Pong) return;
      // Control frames are few, and their handlers may keep the payload (a configuration to apply).
      this.onControl?.(this.#reader === undefined ? frame : { type, streamId, payload: Buffer.from(payload) });
      return;
    }
    try {
      switch (type) {
        case FrameType.Data: {
          this.streams.get(streamId)?.handleData(payload);
          return;
        }
        case FrameType.Window: {
          if (payload.length !== 4) throw new MessageError('window frame must carry 4 bytes');
          this.streams.get(streamId)?.handleWindow(payload.readUInt32BE(0));
          return;
        }
        case FrameType.End:
          this.streams.get(streamId)?.handleEnd();
          return;
        case FrameType.Reset:
          this.streams.get(streamId)?.handleReset(parseStreamReset(payload));
          return;
        case FrameType.Request: {
          if (this.options.role !== 'connector') throw new MessageError('only the edge opens streams');
          if (streamId <= this.#lastPeerStreamId && this.#lastPeerStreamId - streamId < 0x7fffffff) {
            throw new MessageError(`stream ${streamId} reused`);
          }
          this.#lastPeerStreamId = streamId;
          let head: RequestHead;
          try {
            head = parseRequestHead(payload);
          } catch (err) {
            // A bad head fails its own request, never the link and the other requests on it.
            if (!(err instanceof HeadError)) throw err;
            this.sendReset(streamId, { code: 'WARREN_REQUEST_INVALID', message: err.message });
            return;
          }
          const stream = new MuxStream(this, streamId, this.peerInitialWindow);
          this.streams.set(streamId, stream);
          if (head.endOfStream === true) stream.handleEnd();
          if (this.onStream === undefined) stream.reset('WARREN_SHUTTING_DOWN', 'not accepting streams');
          else this.onStream(stream, head);
          return;
        }
        case FrameType.Response: {
          if (this.options.role !== 'edge') throw new MessageError('only the connector answers streams');
          const stream = this.streams.get(streamId);
          if (stream === undefined) return;
          let head: ResponseHead;
          try {
            head = parseResponseHead(payload);
          } catch (err) {
            if (!(err instanceof HeadError)) throw err;
            this.sendReset(streamId, { code: 'WARREN_ORIGIN_ERROR', message: err.message });
            stream.handleReset({ code: 'WARREN_ORIGIN_ERROR', message: err.message });
            return;
          }
          // A response has begun: the request can no longer be sent elsewhere.
          stream.replayable = false;
          stream.onResponse?.(head);
          if (head.endOfStream === true) stream.handleEnd();
          return;
        }
        default:
          throw new MessageError(`frame type ${type} is not valid on a stream`);
      }
    } catch (err) {
      if (err instanceof MessageError) {
        this.destroy(err);
        return;
      }
      throw err;
    }
  }

  #onDrain(): void {
    if (!this.#congested) return;
    this.#congested = false;
    const waiting = this.#waiting;
    if (waiting.size === 0) return;
    this.#waiting = new Set();
    for (const s of waiting) s.handleLinkDrain();
  }

  #onSocketClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.stop();
    this.#stopHeartbeat?.();
    const err = this.#closeError;
    const reset: StreamReset = {
      code: err?.code ?? 'WARREN_LINK_CLOSED',
      message: err?.message ?? 'the link closed',
    };
    for (const s of [...this.streams.values()]) s.handleReset(reset);
    this.streams.clear();
    this.#waiting.clear();
    this.onClose?.(err);
  }
}
