import type { Answer } from 'dns-packet';
import { owningZoneIn } from '../store/index.js';
import type { Rdata, ServedZoneData, ZoneIndex, ZoneNode } from './zone-index.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

/** Type numbers this server knows by name (metrics label them; others count as "other"). */
export const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [13, 'HINFO'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [43, 'DS'],
  [48, 'DNSKEY'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [255, 'ANY'],
  [257, 'CAA'],
]);

const CLASS_IN = 1;
const TYPE_ANY = 255;
const TYPE_DS = 43;
const MAX_CNAME_CHAIN = 8;
const RFC8482_TTL_S = 3600; // 1 hour, as Cloudflare's HINFO "RFC8482"

export interface Built {
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  /** Glue of a referral (addresses of in-zone name servers). */
  additionals?: Answer[];
}

function refused(): Built {
  return { rcode: RCODE.REFUSED, authoritative: false, answers: [], authorities: [] };
}

/** The zone a name belongs to: the longest suffix that is a zone we serve. */
function zoneOf(index: ZoneIndex, name: string): ServedZoneData | undefined {
  return owningZoneIn(name, index);
}

/**
 * The node answering `name` in `zone`: the name itself, or per RFC 4592 the wildcard at its
 * closest encloser (`*.<closest existing ancestor>`); undefined: the name does not exist.
 * An empty non-terminal exists (answers NODATA) and stops wildcard matching.
 */
function lookup(zone: ServedZoneData, name: string): ZoneNode | 'empty' | undefined {
  const exact = zone.nodes.get(name);
  if (exact !== undefined) return exact;
  if (zone.names.has(name)) return 'empty';
  let n = name;
  while (n !== zone.name) {
    n = n.slice(n.indexOf('.') + 1);
    if (zone.names.has(n)) return zone.nodes.get(`*.${n}`);
  }
  return undefined;
}

/**
 * The delegation point at or above `name` (the one nearest the apex), if any: `name` is then
 * not ours to answer. DS at the cut itself belongs to the parent side (RFC 4035 §3.1.4.1).
 */
function cutAbove(zone: ServedZoneData, name: string, qtype: number): string | undefined {
  if (zone.cuts.size === 0 || name === zone.name) return undefined;
  let cut: string | undefined;
  for (let n = name; n.length > zone.name.length; n = n.slice(n.indexOf('.') + 1)) {
    if (zone.cuts.has(n) && !(n === name && qtype === TYPE_DS)) cut = n;
  }
  return cut;
}

/**
 * A referral (RFC 1034 §4.3.2): not authoritative, the child's NS records in the authority
 * section, the addresses of name servers inside the delegated name as glue.
 */
function referral(zone: ServedZoneData, cut: string, owner: string, answers: Answer[]): Built {
  const ns = zone.nodes.get(cut)?.rrsets.get('NS') ?? [];
  const glue: Answer[] = [];
  for (const r of ns) {
    const host = typeof r.data === 'string' ? r.data.toLowerCase() : '';
    if (host !== cut && !host.endsWith(`.${cut}`)) continue;
    for (const t of ['A', 'AAAA']) for (const a of zone.nodes.get(host)?.rrsets.get(t) ?? []) glue.push(rr(host, a));
  }
  return {
    rcode: RCODE.NOERROR,
    authoritative: false,
    answers,
    authorities: ns.map((r) => rr(owner, r)),
    additionals: glue,
  };
}

function rr(owner: string, r: Rdata): Answer {
  return { name: owner, type: r.type, ttl: r.ttl, class: 'IN', data: r.data } as Answer;
}

function negativeSoa(zone: ServedZoneData): Answer {
  const soa = zone.soa;
  return rr(zone.name, { ...soa, ttl: Math.min(soa.ttl, soa.data.minimum) });
}

/**
 * What to answer for one question, from the zones in memory. `asked` is the name in the
 * query's case: answers at that name echo it (0x20).
 */
export function buildAnswer(index: ZoneIndex, asked: string | undefined, qtype: number, qclass: number): Built {
  if (asked === undefined || qclass !== CLASS_IN) return refused();
  const qname = asked.toLowerCase().replace(/\.$/, '');
  const zone = zoneOf(index, qname);
  // Outside our zones: never a resolver. Zone transfers are not offered.
  if (zone === undefined || qtype === 252 || qtype === 251) return refused();
  const typeName = TYPE_NAMES.get(qtype);
  const answers: Answer[] = [];
  const seen = new Set<string>();
  let name = qname;
  let owner = asked.replace(/\.$/, '');
  for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
    seen.add(name);
    const cut = cutAbove(zone, name, qtype);
    if (cut !== undefined) {
      // Below a delegation: the child's servers answer. After a CNAME, the chain stops here.
      if (hop > 0) return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [] };
      return referral(zone, cut, owner.slice(owner.length - cut.length), answers);
    }
    const found = lookup(zone, name);
    if (found === undefined) {
      // RFC 6604: the rcode follows the last name in the chain.
      return { rcode: RCODE.NXDOMAIN, authoritative: true, answers, authorities: [negativeSoa(zone)] };
    }
    if (found === 'empty')
      return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [negativeSoa(zone)] };
    if (qtype === TYPE_ANY) {
      // RFC 8482: one small synthesized answer instead of every RRset (no amplification).
      answers.push({ name: owner, type: 'HINFO', ttl: RFC8482_TTL_S, class: 'IN', data: { cpu: 'RFC8482', os: '' } });
      return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [] };
    }
    if (found.cname !== undefined && typeName !== 'CNAME') {
      for (const r of found.rrsets.get('CNAME') ?? []) answers.push(rr(owner, r));
      const target = found.cname;
      // Chase the target only inside this zone, and never around a loop.
      if (seen.has(target) || (target !== zone.name && !target.endsWith(`.${zone.name}`)))
        return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [] };
      name = target;
      owner = target;
      continue;
    }
    const set = typeName === undefined ? undefined : found.rrsets.get(typeName);
    if (set === undefined || set.length === 0)
      return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [negativeSoa(zone)] };
    for (const r of set) answers.push(rr(owner, r));
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [] };
  }
  return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [] };
}
