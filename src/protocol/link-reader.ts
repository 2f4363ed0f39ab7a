/**
 * TLS plaintext records are at most 16 KiB, and node's TLS layer hands them over one record at a
 * time: one buffer of this size takes every read.
 */
const READ_SIZE = 16 * 1024;

/** A stream's bulk bytes of one loop turn are staged in a buffer this big (takeStage). */
export const STAGE_BYTES = 256 * 1024; // 256 KiB
/** Stages a link keeps for reuse. */
const STAGES_KEPT = 4;

/**
 * The receiving half of a link on the side that dials it (the connector): the socket reads into one
 * reused buffer (`tls.connect`'s `onread`) instead of a new Buffer, a stream chunk and a 'data' event
 * per 16 KiB record. On a bulk transfer that allocation was most of what drove the connector's major
 * garbage collections (external memory), and the stream machinery around it most of its read cost.
 *
 * What the parser hands on from a read are views of that buffer, valid until the read's callback
 * returns. Whoever keeps one past that (a sink that queued the bytes, a frame split across reads)
 * calls `hold()`: the next read goes into a new buffer and the held one is left to its holders.
 */
export class LinkReader {
  #buffer = Buffer.allocUnsafe(READ_SIZE);
  #held = false;
  #deliver: ((chunk: Buffer) => void) | undefined;
  /** Reads that came before a receiver was attached (copies). */
  #early: Buffer[] | undefined;
  readonly #stages: Buffer[] = [];

  /** The `onread` option of `tls.connect` / `net.connect`. */
  readonly onread = {
    buffer: (): Buffer => {
      if (this.#held) {
        this.#held = false;
        this.#buffer = Buffer.allocUnsafe(READ_SIZE);
      }
      return this.#buffer;
    },
    callback: (n: number, buffer: Buffer): boolean => {
      const chunk = buffer.subarray(0, n);
      const deliver = this.#deliver;
      if (deliver !== undefined) deliver(chunk);
      else {
        this.#early ??= [];
        this.#early.push(Buffer.from(chunk));
      }
      return true;
    },
  };

  /** The views handed on by the current read outlive it: the next read goes into a new buffer. */
  hold(): void {
    this.#held = true;
  }

  /**
   * A buffer for a stream's bulk pieces of this loop turn (mux-stream.ts): rather than hold the read
   * buffer for a sink that queues them, bulk pieces are copied into one and leave in one write per
   * turn. A stage the sink let go of comes back (returnStage) and serves the next turn, so a transfer
   * allocates nothing per read (a Buffer per read was what kept the connector's garbage collector
   * marking through an upload). A few are kept: memory follows the streams busy in one turn, not
   * the streams open.
   */
  takeStage(): Buffer {
    return this.#stages.pop() ?? Buffer.allocUnsafe(STAGE_BYTES);
  }

  /** A stage nothing refers to any more. */
  returnStage(stage: Buffer): void {
    if (this.#stages.length < STAGES_KEPT) this.#stages.push(stage);
  }

  /** Where reads go from now on (reads that came earlier go first). */
  attach(deliver: (chunk: Buffer) => void): void {
    this.#deliver = deliver;
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) for (const chunk of early) deliver(chunk);
  }
}
