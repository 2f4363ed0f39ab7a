/** A query as read off the wire, checked strictly; anything else is dropped as malformed. */
export interface DnsQuery {
  id: number;
  opcode: number;
  /** RD, echoed in the response. */
  recursionDesired: boolean;
  /** The question section exactly as received (name in the query's case, type, class): echoed as is (0x20). */
  question: Buffer;
  /** The name as asked (original case), or undefined when a label holds bytes no hostname has. */
  name: string | undefined;
  qtype: number;
  qclass: number;
  /** EDNS(0) OPT record, when the query carried one. */
  edns: { udpSize: number; version: number; dnssecOk: boolean } | undefined;
}

export type ParseResult =
  | { ok: true; query: DnsQuery }
  /** Not a query worth any answer (a response, garbage, a short packet): counted and dropped. */
  | { ok: false; reason: string }
  /** A well-formed header with an opcode other than QUERY: answered NOTIMP with the header only. */
  | { ok: 'notimp'; id: number; opcode: number };

const TYPE_OPT = 41;
const MAX_NAME = 255;

/** Bytes a hostname label may hold; anything else cannot be in a zone we serve. */
function plainLabel(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    // '!'..'~' minus '.' and '\': the text form then round-trips through a name encoder.
    if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) return false;
  }
  return true;
}

/** Skips a name (pointers allowed outside the question); returns the offset after it or -1. */
function skipName(buf: Buffer, offset: number): number {
  let o = offset;
  for (let hops = 0; hops < 128; hops++) {
    if (o >= buf.length) return -1;
    const len = buf[o] as number;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2 <= buf.length ? o + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    o += 1 + len;
  }
  return -1;
}

/** Reads one query (UDP datagram or TCP message without its length prefix). Never throws. */
export function parseQuery(buf: Buffer): ParseResult {
  if (buf.length < 12) return { ok: false, reason: 'short' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return { ok: false, reason: 'response' };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { ok: 'notimp', id, opcode };
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (qd !== 1 || an !== 0 || ns !== 0) return { ok: false, reason: 'sections' };
  // The question name: plain labels only (no compression in a one-question query).
  let o = 12;
  const labels: string[] = [];
  let plain = true;
  for (;;) {
    if (o >= buf.length) return { ok: false, reason: 'name' };
    const len = buf[o] as number;
    if (len === 0) {
      o++;
      break;
    }
    if (len > 63) return { ok: false, reason: 'label' };
    if (o + 1 + len > buf.length || o + 1 + len - 12 > MAX_NAME - 1) return { ok: false, reason: 'name' };
    if (plain && plainLabel(buf, o + 1, o + 1 + len)) labels.push(buf.toString('latin1', o + 1, o + 1 + len));
    else plain = false;
    o += 1 + len;
  }
  if (o + 4 > buf.length) return { ok: false, reason: 'question' };
  const qtype = buf.readUInt16BE(o);
  const qclass = buf.readUInt16BE(o + 2);
  o += 4;
  const question = buf.subarray(12, o);
  let edns: DnsQuery['edns'];
  for (let i = 0; i < ar; i++) {
    const start = o;
    o = skipName(buf, o);
    if (o < 0 || o + 10 > buf.length) return { ok: false, reason: 'additional' };
    const type = buf.readUInt16BE(o);
    const rdlen = buf.readUInt16BE(o + 8);
    if (o + 10 + rdlen > buf.length) return { ok: false, reason: 'additional' };
    if (type === TYPE_OPT) {
      // One OPT, owned by the root (RFC 6891 §6.1.1).
      if (edns !== undefined || o !== start + 1 || buf[start] !== 0) return { ok: false, reason: 'opt' };
      edns = {
        udpSize: buf.readUInt16BE(o + 2),
        version: buf[o + 5] as number,
        dnssecOk: (buf.readUInt16BE(o + 6) & 0x8000) !== 0,
      };
    }
    o += 10 + rdlen;
  }
  if (o !== buf.length) return { ok: false, reason: 'trailing' };
  return {
    ok: true,
    query: {
      id,
      opcode,
      recursionDesired: (flags & 0x0100) !== 0,
      question,
      name: plain ? (labels.length === 0 ? '.' : labels.join('.')) : undefined,
      qtype,
      qclass,
      edns,
    },
  };
}
