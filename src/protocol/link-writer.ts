import type { Duplex } from 'node:stream';
import { FRAME_HEADER_SIZE, type FrameTypeValue, writeFrameHeader } from './frame.js';

/** First size of a loop turn's batch of small frames (a pool slice: no allocation of its own). */
const BATCH_START = 2048;
/**
 * Payloads up to this size are copied into the batch beside their header. Larger ones (a 10 KiB
 * page, bulk Data) are written as they are after the batch that holds their header: copying them
 * would grow the batch (measured: 10 KiB pages cost more hop CPU when copied).
 */
const BATCH_PAYLOAD_LIMIT = 2048;

/**
 * The sending half of a link. Frames sent within one event-loop turn leave in one socket write:
 * small frames (payload ≤ 2 KiB: heads, small bodies, End, Window) are encoded straight into one
 * batch buffer, so the TLS layer gets a single buffer (no writev, no copy of its own) and the
 * stream machinery one write instead of one per frame; a larger payload gets its header in the
 * batch and is written as it is (never copied here) right after it, on the corked socket.
 */
export class LinkWriter {
  readonly #socket: Duplex;
  /** Whether several streams are open: then the flush waits for the end of the poll phase. */
  readonly #several: () => boolean;
  /** Runs after each flush (the link releases streams that waited while the batch was large). */
  readonly #afterFlush: () => void;
  #flushScheduled = false;
  /** The socket is corked for this loop turn (a large payload was written). */
  #corked = false;
  /** Small frames of this loop turn, encoded back to back; `#fill` bytes used. */
  #batch: Buffer | undefined;
  #fill = 0;
  #stopped = false;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    this.writeBatch();
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
    this.#afterFlush();
  };

  constructor(socket: Duplex, several: () => boolean, afterFlush: () => void) {
    this.#socket = socket;
    this.#several = several;
    this.#afterFlush = afterFlush;
  }

  /** Frames of this loop turn wait for their flush (a request sent now joins their write). */
  get flushPending(): boolean {
    return this.#flushScheduled && !this.#stopped;
  }

  /** Bytes waiting to leave: the socket's queue and this loop turn's batch. */
  get writableLength(): number {
    return this.#socket.writableLength + this.#fill;
  }

  frame(type: FrameTypeValue, streamId: number, payload?: Uint8Array): void {
    if (this.#stopped) return;
    this.#scheduleFlush();
    const length = payload === undefined ? 0 : payload.byteLength;
    if (length > BATCH_PAYLOAD_LIMIT) {
      if (!this.#corked) {
        this.#corked = true;
        this.#socket.cork();
      }
      // Frames leave in the order they were sent: the batch so far, with this frame's header last.
      this.#batchFrame(type, streamId, length, 0);
      this.writeBatch();
      this.#socket.write(payload);
      return;
    }
    const at = this.#batchFrame(type, streamId, length, length);
    if (payload !== undefined && length > 0) (this.#batch as Buffer).set(payload, at);
  }

  /** A frame whose payload is `text` as UTF-8, `bytes` long (a head): encoded straight into the batch. */
  text(type: FrameTypeValue, streamId: number, text: string, bytes: number): void {
    if (bytes > BATCH_PAYLOAD_LIMIT) {
      this.frame(type, streamId, Buffer.from(text, 'utf8'));
      return;
    }
    if (this.#stopped) return;
    this.#scheduleFlush();
    const at = this.#batchFrame(type, streamId, bytes, bytes);
    (this.#batch as Buffer).write(text, at, bytes, 'utf8');
  }

  /** Hands the batch so far to the socket (before it ends, or ahead of a large payload). */
  writeBatch(): void {
    const batch = this.#batch;
    if (batch === undefined || this.#fill === 0) return;
    const fill = this.#fill;
    // The socket keeps the bytes it was given: the next batch is a new buffer.
    this.#batch = undefined;
    this.#fill = 0;
    this.#socket.write(fill === batch.length ? batch : batch.subarray(0, fill));
  }

  /** The link closed: what is not sent yet is dropped, and nothing more is written. */
  stop(): void {
    this.#stopped = true;
    this.#batch = undefined;
    this.#fill = 0;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // With several streams open, flush after the poll phase: every frame that the I/O callbacks
    // of this loop turn produced (many visitors' requests, many origins' responses) leaves in one
    // TLS write. With one stream there is nothing to wait for: flush as soon as the current
    // callback returns, which spares a round through the event loop on every hop of a request.
    if (this.#several()) setImmediate(this.#flush);
    else process.nextTick(this.#flush);
  }

  /** Appends the header of a `length`-byte frame to the batch, with room for `room` of its bytes; returns where they go. */
  #batchFrame(type: FrameTypeValue, streamId: number, length: number, room: number): number {
    const n = FRAME_HEADER_SIZE + room;
    const at = this.#fill;
    let batch = this.#batch;
    if (batch === undefined || at + n > batch.length) {
      const grown = Buffer.allocUnsafe(Math.max(BATCH_START, 2 * (batch?.length ?? 0), at + n));
      if (batch !== undefined && at > 0) batch.copy(grown, 0, 0, at);
      batch = grown;
      this.#batch = grown;
    }
    this.#fill = at + n;
    writeFrameHeader(batch, at, length, type, streamId);
    return at + FRAME_HEADER_SIZE;
  }
}
