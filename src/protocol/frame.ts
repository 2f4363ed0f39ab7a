/**
 * Frame layout on the TLS link (big endian):
 *
 *   length u32 | type u8 | streamId u32 | payload[length]
 *
 * Stream 0 carries link-level frames (handshake, heartbeats, goaway); every other
 * id is one proxied request. Only the edge opens streams, so ids never collide.
 */
import { MessageError } from './messages.js';

export const FRAME_HEADER_SIZE = 9;

/** Upper bound for one frame's payload; a peer that announces more is broken or hostile. */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024; // 16 MiB

/**
 * Upper bound for every frame but Data (heads, control messages). These are reassembled in
 * memory, unlike Data, and none comes near it: request heads are bounded by the visitor
 * listener's 32 KiB maxHeaderSize, response heads by the origin client's 16 KiB.
 */
export const MAX_CONTROL_FRAME_PAYLOAD = 1024 * 1024; // 1 MiB

/**
 * Upper bound for any frame the edge accepts before the link registered: Hello, Register and
 * pings are a few hundred bytes. Anyone can open a TLS connection to the tunnel port, so an
 * unauthenticated peer must not make the edge hold more than this per connection.
 */
export const PRE_REGISTRATION_MAX_FRAME_PAYLOAD = 64 * 1024; // 64 KiB

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
  /** edge → connector, stream 0: JSON ConfigPush, the tunnel's remotely-managed configuration (config-push.ts). */
  ConfigPush: 11,
  /** both, stream 0: JSON ManagementMessage (live logs for `warren tail`, see management.ts). */
  Management: 12,
  /**
   * connector → edge, stream 0: JSON ConfigStatus, what the connector did with a ConfigPush
   * (config-push.ts). Sent only to an edge whose Registration lists `config-status`.
   */
  ConfigStatus: 13,
  /**
   * both, stream 0: JSON AccessKeysRequest (connector → edge) or AccessKeysAnswer (edge → connector),
   * see access-keys.ts. Sent only to an edge whose Registration lists `access-keys`.
   */
  AccessKeys: 14,
  /** edge → connector: RequestHead (NUL-joined, see messages.ts), opens the stream. */
  Request: 16,
  /** connector → edge: ResponseHead (NUL-joined, see messages.ts). */
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

/**
 * Payloads at or below this size are copied next to their header (into one buffer, or a link's
 * batch of frames): one write instead of two. Larger ones are written as they are.
 */
export const COALESCE_LIMIT = 16 * 1024;

/** Writes a frame header at `offset` of `buf` (FRAME_HEADER_SIZE bytes). */
export function writeFrameHeader(
  buf: Buffer,
  offset: number,
  length: number,
  type: FrameTypeValue,
  streamId: number,
): void {
  buf.writeUInt32BE(length, offset);
  buf[offset + 4] = type;
  buf.writeUInt32BE(streamId, offset + 5);
}

/** Encodes one frame as one or two buffers (header and payload), ready for a corked socket. */
export function encodeFrame(type: FrameTypeValue, streamId: number, payload?: Uint8Array): Buffer[] {
  const length = payload === undefined ? 0 : payload.byteLength;
  if (length <= COALESCE_LIMIT) {
    const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
    writeFrameHeader(buf, 0, length, type, streamId);
    if (payload !== undefined && length > 0) buf.set(payload, FRAME_HEADER_SIZE);
    return [buf];
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeFrameHeader(header, 0, length, type, streamId);
  return [header, payload as Buffer];
}

export interface Frame {
  type: FrameTypeValue;
  streamId: number;
  payload: Buffer;
}

/**
 * Incremental parser: push socket chunks, get frames. Control and head frames arrive whole.
 * Data frames are handed on as their bytes arrive, possibly in several pieces (same type and
 * stream id; the pieces add up to the frame): a Data frame larger than one socket chunk is never
 * copied into a reassembly buffer. Each byte is looked at once, however finely the input is split.
 *
 * Nothing is allocated from an announced length: a frame split across chunks is kept as the
 * chunks that arrived and joined once complete, so a peer that announces a large frame and sends
 * little costs only what it sent. An announced length over the limit fails before any buffering.
 */
export class FrameParser {
  readonly #onFrame: (frame: Frame) => void;
  /** Largest payload accepted now (Data; others also at most MAX_CONTROL_FRAME_PAYLOAD). */
  #maxPayload: number;
  /** A header split across chunks: its first `#hdrFill` bytes. */
  readonly #hdr = Buffer.alloc(FRAME_HEADER_SIZE);
  #hdrFill = 0;
  /** Payload bytes of the current Data frame still to come, and its stream. */
  #dataLeft = 0;
  #dataStream = 0;
  /** A non-Data frame split across chunks: the pieces so far, their total, and the announced length. */
  #parts: Buffer[] | null = null;
  #partsFill = 0;
  #frameLength = 0;
  #frameType: FrameTypeValue = FrameType.Data;
  #frameStream = 0;
  /** Called when the parser keeps views of a chunk past `push` (input read into a reused buffer: link-reader.ts). */
  readonly #hold: (() => void) | undefined;

  constructor(onFrame: (frame: Frame) => void, maxPayload = MAX_FRAME_PAYLOAD, hold?: () => void) {
    this.#onFrame = onFrame;
    this.#maxPayload = checkLimit(maxPayload);
    this.#hold = hold;
  }

  get maxPayload(): number {
    return this.#maxPayload;
  }

  /** Changes the limit for frames whose header has not arrived yet (e.g. raised once a link registered). */
  set maxPayload(limit: number) {
    this.#maxPayload = checkLimit(limit);
  }

  /** Returns an error description when the input is not our protocol; the caller then drops the link. */
  push(chunk: Buffer): MessageError | undefined {
    const len = chunk.length;
    let off = 0;
    while (off < len) {
      if (this.#dataLeft > 0) {
        const n = Math.min(this.#dataLeft, len - off);
        this.#dataLeft -= n;
        this.#onFrame({ type: FrameType.Data, streamId: this.#dataStream, payload: chunk.subarray(off, off + n) });
        off += n;
        continue;
      }
      const parts = this.#parts;
      if (parts !== null) {
        const n = Math.min(this.#frameLength - this.#partsFill, len - off);
        // Socket chunks are never reused by node, so holding views of them is safe (a reused read buffer is held).
        parts.push(chunk.subarray(off, off + n));
        this.#hold?.();
        this.#partsFill += n;
        off += n;
        if (this.#partsFill === this.#frameLength) {
          this.#parts = null;
          const payload = Buffer.concat(parts, this.#frameLength);
          this.#onFrame({ type: this.#frameType, streamId: this.#frameStream, payload });
        }
        continue;
      }
      let length: number;
      let type: number;
      let streamId: number;
      if (this.#hdrFill > 0 || len - off < FRAME_HEADER_SIZE) {
        const n = Math.min(FRAME_HEADER_SIZE - this.#hdrFill, len - off);
        chunk.copy(this.#hdr, this.#hdrFill, off, off + n);
        this.#hdrFill += n;
        off += n;
        if (this.#hdrFill < FRAME_HEADER_SIZE) return undefined;
        this.#hdrFill = 0;
        length = this.#hdr.readUInt32BE(0);
        type = this.#hdr[4] as number;
        streamId = this.#hdr.readUInt32BE(5);
      } else {
        length = chunk.readUInt32BE(off);
        type = chunk[off + 4] as number;
        streamId = chunk.readUInt32BE(off + 5);
        off += FRAME_HEADER_SIZE;
      }
      if (!isKnownFrameType(type)) return unknownType(type);
      const limit = type === FrameType.Data ? this.#maxPayload : Math.min(this.#maxPayload, MAX_CONTROL_FRAME_PAYLOAD);
      if (length > limit) return tooLarge(length, limit);
      const avail = len - off;
      if (length <= avail) {
        this.#onFrame({ type, streamId, payload: chunk.subarray(off, off + length) });
        off += length;
      } else if (type === FrameType.Data) {
        if (avail > 0) this.#onFrame({ type, streamId, payload: chunk.subarray(off) });
        this.#dataLeft = length - avail;
        this.#dataStream = streamId;
        off = len;
      } else {
        this.#parts = avail > 0 ? [chunk.subarray(off)] : [];
        if (avail > 0) this.#hold?.();
        this.#partsFill = avail;
        this.#frameLength = length;
        this.#frameType = type;
        this.#frameStream = streamId;
        off = len;
      }
    }
    return undefined;
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_FRAME_PAYLOAD) {
    throw new TypeError(`frame payload limit must be an integer in [0, ${MAX_FRAME_PAYLOAD}]`);
  }
  return limit;
}

function tooLarge(length: number, limit: number): MessageError {
  return new MessageError(`frame of ${length} bytes exceeds the ${limit}-byte limit`);
}

function unknownType(type: number): MessageError {
  return new MessageError(`unknown frame type ${type}`);
}
