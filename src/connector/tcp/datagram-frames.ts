/**
 * UDP datagrams on a byte stream (`udp://` services and `warren access udp`): each datagram is a
 * 2-byte big-endian length and its bytes, carried inside the WebSocket session a TCP service
 * uses, so the edge and the tunnel see one ordinary stream per client flow.
 */

/** The largest datagram carried (a UDP payload's limit over IPv4 is 65 507 bytes). */
export const MAX_DATAGRAM = 65_535;

/** One datagram with its length prefix. */
export function frameDatagram(payload: Buffer): Buffer {
  if (payload.length > MAX_DATAGRAM) throw new RangeError(`a datagram of ${payload.length} bytes`);
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  payload.copy(out, 2);
  return out;
}

/**
 * Bytes of framed datagrams in, whole datagrams out. A partial datagram waits for its rest; at
 * most one datagram (64 KiB) is ever held.
 */
export class DatagramReader {
  #held: Buffer = Buffer.alloc(0);
  readonly #deliver: (datagram: Buffer) => void;

  constructor(deliver: (datagram: Buffer) => void) {
    this.#deliver = deliver;
  }

  push(chunk: Buffer): void {
    let buf = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      // A copy: the caller may reuse or unmask the chunk in place.
      this.#deliver(Buffer.from(buf.subarray(2, 2 + len)));
      buf = buf.subarray(2 + len);
    }
    this.#held = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }
}
