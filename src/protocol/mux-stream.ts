import type { Readable } from 'node:stream';
import type { WarrenErrorCode } from '../errors/index.js';
import { type BodySink, letGo } from './body-sink.js';
import { type LinkReader, STAGE_BYTES } from './link-reader.js';
import type { ResponseHead, StreamReset } from './messages.js';
import type { MuxConnection } from './mux-connection.js';

/** Delivered pieces at least this big are bulk transfer: the sink's writes are coalesced per loop turn. */
const BULK_PIECE = 8 * 1024; // 8 KiB

function uncorkSink(stream: MuxStream): void {
  stream.uncorkSink();
}

function flushStage(stream: MuxStream): void {
  stream.flushStage();
}

/** Largest Data frame we send; bigger chunks are split so one stream cannot hog the link. */
const MAX_DATA_FRAME = 256 * 1024; // 256 KiB

/**
 * One proxied request on a link. Body bytes flow under a per-stream credit window
 * (like HTTP/2): the sender may have at most `window` unacknowledged bytes in flight,
 * and the receiver grants credit only once its sink has accepted the bytes, so a slow
 * visitor or origin pushes back all the way to the other end.
 */
export class MuxStream {
  readonly id: number;
  readonly conn: MuxConnection;

  /** Edge side: the connector answered with a response head. */
  onResponse: ((head: ResponseHead) => void) | undefined;
  /** The peer reset the stream (or the link died). Called at most once. */
  onReset: ((reset: StreamReset) => void) | undefined;
  /** Both halves are done and the stream is forgotten. */
  onClose: (() => void) | undefined;
  /** The peer's body did not match the length given to `pipeTo`: the sink was destroyed, not ended. */
  onLengthMismatch: (() => void) | undefined;
  /**
   * Edge side: the request may be sent again on another link (an idempotent method, no body) for
   * as long as no response head has arrived; the link clears it when one does.
   */
  replayable = false;

  #sendWindow: number;
  #pending: Buffer[] | null = null;
  #endQueued = false;
  #localEnded = false;
  #remoteEnded = false;
  #closed = false;
  #unacked = 0;
  /** Bytes received and not yet credited back: a peer that exceeds our window is broken or hostile. */
  #outstanding = 0;
  #owed = 0;
  #sink: BodySink | undefined;
  /** Bytes the sink may still take (the declared Content-Length), or -1 for no limit. */
  #sinkRoom = -1;
  #early: Buffer[] | null = null;
  #waitingDrain = false;
  #sinkCorked = false;
  /** Bulk bytes of this loop turn copied out of a reused read buffer, and how many. */
  #stage: Buffer | undefined;
  #stageFill = 0;
  #stageScheduled = false;
  #onWritable: (() => void) | undefined;

  constructor(conn: MuxConnection, id: number, sendWindow: number) {
    this.conn = conn;
    this.id = id;
    this.#sendWindow = sendWindow;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get remoteEnded(): boolean {
    return this.#remoteEnded;
  }

  /** Body bytes this side may still send before the peer grants more credit (0: writes wait). */
  get sendCredit(): number {
    return this.#sendWindow;
  }

  /** Sends body bytes. Returns false when the caller should pause until the stream is writable again. */
  write(chunk: Buffer): boolean {
    if (this.#closed || this.#localEnded || this.#endQueued) return false;
    if (this.#pending !== null) {
      this.#pending.push(chunk);
      return false;
    }
    this.#sendWithinWindow(chunk);
    return this.#pending === null && !this.conn.congested(this);
  }

  /** Finishes our half; queued bytes go first. */
  end(): void {
    if (this.#closed || this.#localEnded || this.#endQueued) return;
    if (this.#pending !== null) {
      this.#endQueued = true;
      return;
    }
    this.#localEnded = true;
    this.conn.sendEnd(this.id);
    this.#maybeClose();
  }

  /** Connector side: sends the response head; with `e: 1` our half is finished too. */
  respond(head: ResponseHead): void {
    if (this.#closed) return;
    this.conn.respond(this, head);
    if (head.endOfStream === true) this.markLocalEnded();
  }

  /** @internal the head that opened or answered the stream said no body follows. */
  markLocalEnded(): void {
    this.#localEnded = true;
    this.#maybeClose();
  }

  /** Abandons the stream in both directions and tells the peer why. */
  reset(code: WarrenErrorCode, message: string): void {
    if (this.#closed) return;
    this.conn.sendReset(this.id, { code, message });
    this.#close();
  }

  /** Abandons the stream as `reset` does, and runs our own `onReset` with the same reason. */
  fail(code: WarrenErrorCode, message: string): void {
    if (this.#closed) return;
    const reason = { code, message };
    this.conn.sendReset(this.id, reason);
    this.handleReset(reason);
  }

  /** Streams a node Readable into this stream with backpressure; ends or resets with it. */
  pipeFrom(source: Readable): void {
    this.#onWritable = () => source.resume();
    source.on('data', (chunk: Buffer) => {
      if (!this.write(chunk)) source.pause();
    });
    source.once('end', () => this.end());
    source.once('error', (err: Error) => this.reset('WARREN_STREAM_RESET', `body source failed: ${err.message}`));
  }

  /**
   * Calls `resume` whenever a `write` that returned false may go on (window credit arrived,
   * the link drained). For producers that are not node Readables; `pipeFrom` sets its own.
   */
  whenWritable(resume: () => void): void {
    this.#onWritable = resume;
  }

  /**
   * Delivers the peer's body bytes into a node Writable; ends it when the peer ends. With a
   * `length` (>= 0), the sink never gets a byte past it, and a body that ends short of it or goes
   * past it destroys the sink instead of ending it (and resets the stream): a keep-alive visitor
   * connection is closed rather than left out of step with its framing.
   */
  pipeTo(sink: BodySink, length = -1): void {
    this.#sink = sink;
    this.#sinkRoom = length;
    const early = this.#early;
    this.#early = null;
    if (early !== null) for (const chunk of early) this.#deliver(chunk);
    this.#writeStage();
    if (this.#remoteEnded && !this.#closedByMismatch(sink)) sink.end();
  }

  // ---- called by MuxConnection ----

  /** @internal */
  handleData(payload: Buffer): void {
    if (this.#remoteEnded) return;
    this.#outstanding += payload.length;
    if (this.#outstanding > this.conn.options.initialWindow) {
      this.conn.violation(`stream ${this.id}: the peer sent past its flow-control window`);
      return;
    }
    if (this.#sink === undefined) {
      if (this.#early === null) this.#early = [];
      // Payloads are views into socket chunks node never reuses, so holding them is safe (a reused read buffer is held).
      this.#early.push(payload);
      this.conn.reader?.hold();
      return;
    }
    this.#deliver(payload);
  }

  /** @internal the loop turn that staged bulk bytes is over: they leave in one write. */
  flushStage(): void {
    this.#stageScheduled = false;
    this.#writeStage();
  }

  /** @internal the loop turn that corked the sink is over. */
  uncorkSink(): void {
    this.#sinkCorked = false;
    this.#sink?.uncork();
  }

  /** @internal */
  handleEnd(): void {
    if (this.#remoteEnded) return;
    this.#remoteEnded = true;
    const sink = this.#sink;
    this.#writeStage();
    if (sink !== undefined && !this.#closedByMismatch(sink)) sink.end();
    this.#maybeClose();
  }

  /** At the peer's end: a body short of its declared length destroys the sink. */
  #closedByMismatch(sink: BodySink): boolean {
    if (this.#sinkRoom <= 0) return false;
    sink.destroy();
    this.onLengthMismatch?.();
    return true;
  }

  /** @internal */
  handleWindow(credit: number): void {
    this.#sendWindow += credit;
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    for (let i = 0; i < pending.length; i++) {
      this.#sendWithinWindow(pending[i] as Buffer);
      const stillBlocked = this.#pending as Buffer[] | null;
      if (stillBlocked !== null) {
        for (let j = i + 1; j < pending.length; j++) stillBlocked.push(pending[j] as Buffer);
        return;
      }
    }
    if (this.#endQueued) {
      this.#endQueued = false;
      this.end();
      return;
    }
    if (!this.conn.congested(this)) this.#onWritable?.();
  }

  /** @internal the link's socket drained. */
  handleLinkDrain(): void {
    if (this.#pending === null && !this.#closed) this.#onWritable?.();
  }

  /** @internal */
  handleReset(reset: StreamReset): void {
    if (this.#closed) return;
    this.#close();
    if (this.#sink !== undefined && !this.#sink.writableFinished) this.#sink.destroy();
    this.onReset?.(reset);
  }

  #sendWithinWindow(chunk: Buffer): void {
    while (chunk.length > 0) {
      const room = Math.min(this.#sendWindow, MAX_DATA_FRAME);
      if (room <= 0) {
        this.#pending = [chunk];
        return;
      }
      if (chunk.length <= room) {
        this.#sendWindow -= chunk.length;
        this.conn.sendData(this.id, chunk);
        return;
      }
      this.#sendWindow -= room;
      this.conn.sendData(this.id, chunk.subarray(0, room));
      chunk = chunk.subarray(room);
    }
  }

  #deliver(payload: Buffer): void {
    const sink = this.#sink as BodySink;
    if (sink.destroyed) return;
    if (this.#sinkRoom >= 0) {
      if (payload.length > this.#sinkRoom) {
        // Bytes past the declared length would be read as the start of the next response.
        this.reset('WARREN_ORIGIN_ERROR', 'the body is longer than its Content-Length');
        sink.destroy();
        this.onLengthMismatch?.();
        return;
      }
      this.#sinkRoom -= payload.length;
    }
    const reader = this.conn.reader;
    // Once bytes are staged, what follows joins them (a smaller piece written now would overtake them).
    if (
      reader !== undefined &&
      (payload.length >= BULK_PIECE || this.#stageFill > 0) &&
      payload.length <= STAGE_BYTES
    ) {
      this.#stageBulk(payload, reader);
      return;
    }
    if (payload.length >= BULK_PIECE && !this.#sinkCorked) {
      // Bulk bytes come in socket-sized pieces: hold the sink's writes until the end of this
      // loop turn, so the pieces read from the link in one go leave in one write (a link reading into
      // a reused buffer stages them instead, above).
      this.#sinkCorked = true;
      sink.cork();
      setImmediate(uncorkSink, this);
    }
    const ok = sink.write(payload);
    // A sink that queued the piece keeps a view of the link's read buffer: the next read needs a new one.
    if (reader !== undefined && !letGo(sink)) reader.hold();
    this.#afterWrite(sink, ok, payload.length);
  }

  #stageBulk(payload: Buffer, reader: LinkReader): void {
    let stage = this.#stage;
    if (stage !== undefined && this.#stageFill + payload.length > stage.length) {
      this.#writeStage();
      stage = this.#stage;
    }
    if (stage === undefined) {
      stage = reader.takeStage();
      this.#stage = stage;
    }
    payload.copy(stage, this.#stageFill);
    this.#stageFill += payload.length;
    if (!this.#stageScheduled) {
      this.#stageScheduled = true;
      setImmediate(flushStage, this);
    }
  }

  /** Writes the staged bytes; the stage goes back to the link when the sink let go of it. */
  #writeStage(): void {
    const n = this.#stageFill;
    const stage = this.#stage;
    if (n === 0 || stage === undefined) return;
    this.#stageFill = 0;
    this.#stage = undefined;
    const sink = this.#sink as BodySink;
    const reader = this.conn.reader as LinkReader;
    if (sink.destroyed) {
      reader.returnStage(stage);
      return;
    }
    const ok = sink.write(stage.subarray(0, n));
    if (letGo(sink)) reader.returnStage(stage);
    this.#afterWrite(sink, ok, n);
  }

  /** Credits `n` bytes the sink was given: now, or at its 'drain' when it asked to wait. */
  #afterWrite(sink: BodySink, ok: boolean, n: number): void {
    if (ok) {
      this.#consumed(n);
      return;
    }
    this.#owed += n;
    if (!this.#waitingDrain) {
      this.#waitingDrain = true;
      sink.once('drain', () => {
        this.#waitingDrain = false;
        const owed = this.#owed;
        this.#owed = 0;
        this.#consumed(owed);
      });
    }
  }

  #consumed(n: number): void {
    if (this.#closed) return;
    this.#unacked += n;
    if (this.#unacked >= this.conn.creditThreshold) {
      this.conn.sendWindow(this.id, this.#unacked);
      this.#outstanding -= this.#unacked;
      this.#unacked = 0;
    }
  }

  #maybeClose(): void {
    if (this.#localEnded && this.#remoteEnded && !this.#closed) this.#close();
  }

  #close(): void {
    this.#closed = true;
    this.#pending = null;
    this.#early = null;
    if (this.#stage !== undefined) this.conn.reader?.returnStage(this.#stage);
    this.#stage = undefined;
    this.#stageFill = 0;
    this.conn.forget(this);
    this.onClose?.();
  }
}
