import dnsPacket, { type Answer } from 'dns-packet';
import type { Built } from './answer-builder.js';
import type { DnsQuery } from './dns-query.js';

export const DNS_EDNS_UDP_SIZE = 1232; // what we advertise and the most we send over UDP (DNS flag day 2020: no fragments)
export const DNS_PLAIN_UDP_SIZE = 512; // RFC 1035 without EDNS
export const DNS_TCP_MAX = 65_535;
const RCODE_BADVERS = 16;
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;

/** The most this query's answer may take over UDP: the client's EDNS buffer size, within [512, 1232]. */
export function udpLimit(q: DnsQuery): number {
  if (q.edns === undefined) return DNS_PLAIN_UDP_SIZE;
  return Math.max(DNS_PLAIN_UDP_SIZE, Math.min(q.edns.udpSize, DNS_EDNS_UDP_SIZE));
}

function encode(
  q: DnsQuery,
  rcode: number,
  flags: number,
  answers: Answer[],
  authorities: Answer[],
  glue: Answer[] = [],
): Buffer {
  const additionals: Answer[] = [...glue];
  if (q.edns !== undefined) {
    additionals.push({
      name: '.',
      type: 'OPT',
      udpPayloadSize: DNS_EDNS_UDP_SIZE,
      extendedRcode: rcode >> 4,
      ednsVersion: 0,
      // RFC 3225: the DO bit is copied into the response.
      flags: q.edns.dnssecOk ? 0x8000 : 0,
      flag_do: q.edns.dnssecOk,
      options: [],
    });
  }
  const body = dnsPacket.encode({
    id: q.id,
    type: 'response',
    flags: (flags | (rcode & 0xf)) & 0x7fff,
    questions: [],
    answers,
    authorities,
    additionals,
  });
  // The question goes back byte for byte, in the query's case (0x20).
  const out = Buffer.allocUnsafe(body.length + q.question.length);
  body.copy(out, 0, 0, 12);
  out.writeUInt16BE(1, 4);
  q.question.copy(out, 12);
  body.copy(out, 12 + q.question.length, 12);
  return out;
}

/**
 * The response to `q`: whole when it fits in `limit` bytes, else an empty one with TC=1 so the
 * client asks again over TCP.
 */
export function encodeResponse(q: DnsQuery, built: Built, limit: number): Buffer {
  const flags = QR | (q.recursionDesired ? RD : 0) | (built.authoritative ? AA : 0);
  if (q.edns !== undefined && q.edns.version > 0)
    return encode(q, RCODE_BADVERS, QR | (q.recursionDesired ? RD : 0), [], []);
  const full = encode(q, built.rcode, flags, built.answers, built.authorities, built.additionals);
  if (full.length <= limit) return full;
  return truncated(q, built.rcode, flags);
}

/** Header, question and OPT only, TC=1: what does not fit over UDP, and what rate limiting "slips". */
export function truncated(q: DnsQuery, rcode: number, flags: number = QR | (q.recursionDesired ? RD : 0)): Buffer {
  return encode(q, rcode, flags | TC, [], []);
}

/** NOTIMP for an opcode other than QUERY: the 12-byte header alone. */
export function notImplemented(id: number, opcode: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(QR | ((opcode & 0xf) << 11) | 4, 2);
  return b;
}
