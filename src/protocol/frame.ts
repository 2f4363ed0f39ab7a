/**
 * Frame layout on the TLS link (big endian):
 *
 *   length u32 | type u8 | streamId u32 | payload[length]
 *
 * Stream 0 carries link-level frames (handshake, heartbeats, goaway); every other
 * id is one proxied request. Only the edge opens streams, so ids never collide.
 */
export const FRAME_HEADER_SIZE = 9;

/** Upper bound for one frame's payload; a peer that announces more is broken or hostile. */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024; // 16 MiB

export const FrameType = {
  /** edge → connector, stream 0: JSON ServerHello (protocol version, nonce, edge name). */
  Hello: 1,
  /** connector → edge, stream 0: JSON RegisterRequest. */
  Register: 2,
  /** edge → connector, stream 0: JSON Registration. */
  Registered: 3,
  /** edge → connector, stream 0: JSON RegisterFailure; the edge closes the link after it. */
  RegisterError: 4,
  /** both, stream 0: 8 opaque bytes, answered with Pong carrying the same bytes. */
  Ping: 5,
  Pong: 6,
  /** connector → edge, stream 0: stop sending new streams here; in-flight ones finish. */
  Unregister: 7,
  /** edge → connector, stream 0: the edge is going away; reconnect elsewhere. */
  GoAway: 8,
  /**
   * connector → edge, stream 0: undo an Unregister, send new streams here again. Sent when the
   * connector's origin health check passes again (an Unregister paused it while it failed).
   */
  Resume: 9,
  /**
   * edge → connector, stream 0: answers Unregister. Frames are ordered, so every stream the
   * edge opened on this link before it has already arrived: after it, none will.
   */
  UnregisterAck: 10,
  /** edge → connector: JSON RequestHead, opens the stream. */
  Request: 16,
  /** connector → edge: JSON ResponseHead. */
  Response: 17,
  /** both: body bytes. */
  Data: 18,
  /** both: the sender's half of the stream is finished. */
  End: 19,
  /** both: JSON StreamReset; the stream is dead in both directions. */
  Reset: 20,
  /** both: u32 credit, the receiver consumed that many body bytes. */
  Window: 21,
} as const;

export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

const KNOWN_TYPES = new Set<number>(Object.values(FrameType));

export function isKnownFrameType(type: number): type is FrameTypeValue {
  return KNOWN_TYPES.has(type);
}

/** Payloads at or below this size are copied into the header's buffer: one write instead of two. */
const COALESCE_LIMIT = 16 * 1024;

/** Encodes one frame as one or two buffers (header and payload), ready for a corked socket. */
export function encodeFrame(type: FrameTypeValue, streamId: number, payload?: Uint8Array): Buffer[] {
  const length = payload === undefined ? 0 : payload.byteLength;
  if (length <= COALESCE_LIMIT) {
    const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
    buf.writeUInt32BE(length, 0);
    buf[4] = type;
    buf.writeUInt32BE(streamId, 5);
    if (payload !== undefined && length > 0) buf.set(payload, FRAME_HEADER_SIZE);
    return [buf];
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  header.writeUInt32BE(length, 0);
  header[4] = type;
  header.writeUInt32BE(streamId, 5);
  return [header, payload as Buffer];
}

export interface Frame {
  type: FrameTypeValue;
  streamId: number;
  payload: Buffer;
}

export type FrameParseError = { code: 'WARREN_PROTOCOL'; message: string };

/**
 * Incremental parser: push socket chunks, get whole frames. Frames split across
 * chunks (or many frames in one chunk) are handled without quadratic copying.
 */
export class FrameParser {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Total size of the frame being assembled, once its header is known; 0 before. */
  #need = 0;
  readonly #onFrame: (frame: Frame) => void;

  constructor(onFrame: (frame: Frame) => void) {
    this.#onFrame = onFrame;
  }

  /** Returns an error description when the input is not our protocol; the caller then drops the link. */
  push(chunk: Buffer): FrameParseError | undefined {
    if (this.#buffered === 0) {
      // Fast path: parse straight out of the chunk.
      let offset = 0;
      while (chunk.length - offset >= FRAME_HEADER_SIZE) {
        const length = chunk.readUInt32BE(offset);
        const type = chunk[offset + 4] as number;
        if (length > MAX_FRAME_PAYLOAD) return tooLarge(length);
        if (!isKnownFrameType(type)) return unknownType(type);
        const end = offset + FRAME_HEADER_SIZE + length;
        if (end > chunk.length) break;
        const streamId = chunk.readUInt32BE(offset + 5);
        this.#onFrame({ type, streamId, payload: chunk.subarray(offset + FRAME_HEADER_SIZE, end) });
        offset = end;
      }
      if (offset < chunk.length) {
        const rest = offset === 0 ? chunk : chunk.subarray(offset);
        this.#chunks.push(rest);
        this.#buffered = rest.length;
        return this.#checkBufferedHeader();
      }
      return undefined;
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      // A frame's size is known once its header is in: until then, and until that many
      // bytes are buffered, a push costs O(1) however finely the peer splits its writes.
      if (this.#need === 0) {
        if (this.#buffered < FRAME_HEADER_SIZE) return undefined;
        const err = this.#checkBufferedHeader();
        if (err !== undefined) return err;
        this.#need = FRAME_HEADER_SIZE + this.#peek(FRAME_HEADER_SIZE).readUInt32BE(0);
      }
      if (this.#buffered < this.#need) return undefined;
      const whole = this.#take(this.#need);
      this.#need = 0;
      this.#onFrame({
        type: whole[4] as FrameTypeValue,
        streamId: whole.readUInt32BE(5),
        payload: whole.subarray(FRAME_HEADER_SIZE),
      });
      if (this.#buffered === 0) return undefined;
      if (this.#chunks.length === 1) {
        // Back to the fast path for whatever is left.
        const rest = this.#chunks[0] as Buffer;
        this.#chunks = [];
        this.#buffered = 0;
        return this.push(rest);
      }
    }
  }

  #checkBufferedHeader(): FrameParseError | undefined {
    if (this.#buffered < FRAME_HEADER_SIZE) return undefined;
    const header = this.#peek(FRAME_HEADER_SIZE);
    const length = header.readUInt32BE(0);
    if (length > MAX_FRAME_PAYLOAD) return tooLarge(length);
    const type = header[4] as number;
    if (!isKnownFrameType(type)) return unknownType(type);
    return undefined;
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first;
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) {
      const c = this.#chunks[i] as Buffer;
      filled += c.copy(out, filled, 0, Math.min(c.length, n - filled));
    }
    return out;
  }

  #take(n: number): Buffer {
    const chunks = this.#chunks;
    const first = chunks[0] as Buffer;
    this.#buffered -= n;
    if (first.length >= n) {
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = chunks[i] as Buffer;
      const need = n - filled;
      if (c.length <= need) {
        c.copy(out, filled);
        filled += c.length;
        i++;
      } else {
        c.copy(out, filled, 0, need);
        chunks[i] = c.subarray(need);
        filled += need;
      }
    }
    // One splice instead of a shift per consumed chunk.
    this.#chunks = i === chunks.length ? [] : chunks.slice(i);
    return out;
  }
}

function tooLarge(length: number): FrameParseError {
  return { code: 'WARREN_PROTOCOL', message: `frame of ${length} bytes exceeds the ${MAX_FRAME_PAYLOAD}-byte limit` };
}

function unknownType(type: number): FrameParseError {
  return { code: 'WARREN_PROTOCOL', message: `unknown frame type ${type}` };
}
