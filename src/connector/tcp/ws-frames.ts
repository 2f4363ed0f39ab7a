import { createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The WebSocket framing (RFC 6455 §5) a raw TCP session travels in between `warren access tcp`
 * (or cloudflared's client) and the connector, which ends the WebSocket and talks plain TCP to the
 * origin, as cloudflared's `tcpOverWSService` does. Frames are streamed, never collected whole:
 * a Data frame's payload leaves as it arrives, so memory stays bounded by the streams' windows.
 */

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Control frames carry at most 125 bytes (RFC 6455 §5.5). */
const MAX_CONTROL = 125;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(`${key}${WS_GUID}`).digest('base64');
}

/** A fresh Sec-WebSocket-Key. */
export function websocketKey(): string {
  return randomBytes(16).toString('base64');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `buf` with the 4-byte mask, starting at mask byte `offset`. Bytes go one at a time up to a
 * 4-byte boundary of the underlying memory, then 4 at a time (a 32-bit view), then the tail: the
 * byte-wise loop alone held a masked upload to a few tens of MB/s.
 */
function xorInPlace(buf: Buffer, mask: Buffer, offset: number): void {
  const n = buf.length;
  let i = 0;
  const lead = Math.min(n, (4 - (buf.byteOffset & 3)) & 3);
  for (; i < lead; i++) buf[i] = (buf[i] as number) ^ (mask[(offset + i) & 3] as number);
  const words = (n - i) >>> 2;
  if (words > 0) {
    const m = (k: number): number => mask[(offset + i + k) & 3] as number;
    const word = LITTLE_ENDIAN
      ? (m(0) | (m(1) << 8) | (m(2) << 16) | (m(3) << 24)) >>> 0
      : ((m(0) << 24) | (m(1) << 16) | (m(2) << 8) | m(3)) >>> 0;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = ((view[w] as number) ^ word) >>> 0;
    i += words * 4;
  }
  for (; i < n; i++) buf[i] = (buf[i] as number) ^ (mask[(offset + i) & 3] as number);
}

/** A frame that breaks RFC 6455 in a way the session cannot go on from. */
export class WsFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsFrameError';
  }
}

/**
 * Bytes of WebSocket frames in, the Data frames' payload bytes out. A Close frame ends the output
 * (the peer's half is over); Ping and Pong are dropped (TCP keeps the session alive on loopback and
 * the tunnel has its own heartbeat). Masked and unmasked frames are both accepted.
 */
export class WsDecoder extends Transform {
  #head: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come (0: reading a header). */
  #left = 0;
  #mask: Buffer | undefined;
  #maskOffset = 0;
  #control: Buffer[] | undefined;
  #closed = false;
  #controlOp = 0;
  readonly #count: ((n: number) => void) | undefined;

  /** `count` hears the payload bytes delivered (the byte counters). */
  constructor(count?: (n: number) => void) {
    super();
    this.#count = count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.#feed(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  #feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#closed) {
      if (this.#left === 0 && this.#control === undefined) {
        this.#head = this.#head.length === 0 ? chunk.subarray(at) : Buffer.concat([this.#head, chunk.subarray(at)]);
        at = chunk.length;
        const used = this.#readHeader();
        if (used === 0) return;
        const rest = this.#head.subarray(used);
        this.#head = Buffer.alloc(0);
        chunk = rest;
        at = 0;
        continue;
      }
      const take = Math.min(this.#left, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      this.#left -= take;
      this.#payload(piece);
    }
  }

  /** Parses one header from #head; returns the bytes it used, 0 when more are needed. */
  #readHeader(): number {
    const h = this.#head;
    if (h.length < 2) return 0;
    const b0 = h[0] as number;
    const b1 = h[1] as number;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let used = 2;
    if (len === 126) {
      if (h.length < 4) return 0;
      len = h.readUInt16BE(2);
      used = 4;
    } else if (len === 127) {
      if (h.length < 10) return 0;
      const big = h.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new WsFrameError('a frame longer than 2^53 bytes');
      len = Number(big);
      used = 10;
    }
    if (masked) {
      if (h.length < used + 4) return 0;
      this.#mask = Buffer.from(h.subarray(used, used + 4));
      used += 4;
    } else this.#mask = undefined;
    this.#maskOffset = 0;
    if (opcode >= 8) {
      if (len > MAX_CONTROL) throw new WsFrameError(`a control frame of ${len} bytes (at most ${MAX_CONTROL})`);
      if (opcode !== 8 && opcode !== 9 && opcode !== 10) throw new WsFrameError(`unknown control opcode ${opcode}`);
      this.#control = [];
      this.#controlOp = opcode;
    } else if (opcode > 2) throw new WsFrameError(`unknown data opcode ${opcode}`);
    this.#left = len;
    if (len === 0) this.#payload(Buffer.alloc(0));
    return used;
  }

  #payload(piece: Buffer): void {
    if (this.#mask !== undefined && piece.length > 0) {
      // The socket's chunk is ours (node never reuses it), so unmasking in place is safe.
      xorInPlace(piece, this.#mask, this.#maskOffset);
      this.#maskOffset = (this.#maskOffset + piece.length) & 3;
    }
    const control = this.#control;
    if (control === undefined) {
      if (piece.length > 0) {
        this.#count?.(piece.length);
        this.push(piece);
      }
      return;
    }
    control.push(piece);
    if (this.#left > 0) return;
    this.#control = undefined;
    if (this.#controlOp === 8) {
      this.#closed = true;
      this.push(null);
    }
  }

  override _flush(done: TransformCallback): void {
    done();
  }
}

/**
 * Bytes in, binary WebSocket frames out (one frame per chunk). `mask: true` for a client, which
 * RFC 6455 requires to mask; the connector sends unmasked frames, as a server does.
 */
export class WsEncoder extends Transform {
  readonly #masked: boolean;
  readonly #count: ((n: number) => void) | undefined;

  /** `count` hears the payload bytes framed (the byte counters). */
  constructor(o: { mask: boolean; count?: (n: number) => void }) {
    super();
    this.#masked = o.mask;
    this.#count = o.count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#count?.(chunk.length);
    this.push(frameHeader(2, chunk.length, this.#masked ? randomBytes(4) : undefined, chunk));
    if (!this.#masked) this.push(chunk);
    done();
  }

  /** Our half ends with a Close frame (status 1000) for clients that expect one; TCP's FIN follows. */
  override _flush(done: TransformCallback): void {
    const status = Buffer.from([0x03, 0xe8]);
    this.push(frameHeader(8, status.length, this.#masked ? randomBytes(4) : undefined, status));
    if (!this.#masked) this.push(status);
    done();
  }
}

/** The header, and for a masked frame the header followed by the masked payload (a copy). */
function frameHeader(opcode: number, len: number, mask: Buffer | undefined, payload: Buffer): Buffer {
  const ext = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const headLen = 2 + ext + (mask === undefined ? 0 : 4);
  const out = Buffer.allocUnsafe(headLen + (mask === undefined ? 0 : len));
  out[0] = 0x80 | opcode;
  const m = mask === undefined ? 0 : 0x80;
  if (ext === 0) out[1] = m | len;
  else if (ext === 2) {
    out[1] = m | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = m | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  if (mask !== undefined) {
    mask.copy(out, 2 + ext);
    payload.copy(out, headLen);
    xorInPlace(out.subarray(headLen), mask, 0);
  }
  return out;
}
