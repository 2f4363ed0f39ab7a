import { isIPv4, isIPv6 } from 'node:net';
import { isUnderTunnelDomain } from '../protocol/index.js';
import { owningZoneIn, type ServedRecord, type ServedZone } from '../store/index.js';

export const AUTO_TTL_S = 300; // 5 minutes: Cloudflare's "automatic" TTL, also for proxied records
export const SOA_TTL_S = 3600; // 1 hour
export const NS_TTL_S = 86_400; // 1 day
/** Negative caching (RFC 2308): NXDOMAIN/NODATA are cached for min(SOA TTL, this). Short, so a new record shows up soon. */
export const SOA_MINIMUM_S = 300; // 5 minutes
const SOA_REFRESH_S = 10_000;
const SOA_RETRY_S = 2_400;
const SOA_EXPIRE_S = 604_800; // 1 week

/** One resource record without its owner name (that is filled in when answering, in the query's case). */
export type Rdata =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR'; ttl: number; data: string }
  | { type: 'TXT'; ttl: number; data: Buffer[] }
  | { type: 'MX'; ttl: number; data: { preference: number; exchange: string } }
  | { type: 'SRV'; ttl: number; data: { priority: number; weight: number; port: number; target: string } }
  | { type: 'CAA'; ttl: number; data: { flags: number; tag: 'issue' | 'issuewild' | 'iodef'; value: string } }
  | {
      type: 'SOA';
      ttl: number;
      data: {
        mname: string;
        rname: string;
        serial: number;
        refresh: number;
        retry: number;
        expire: number;
        minimum: number;
      };
    };

export interface ZoneNode {
  /** RRsets by type. */
  rrsets: Map<string, Rdata[]>;
  /** Target of the (unproxied) CNAME at this name. */
  cname: string | undefined;
}

export interface ServedZoneData {
  name: string;
  serial: number;
  /** Names that own records. */
  nodes: Map<string, ZoneNode>;
  /** Every name that exists: owners and their ancestors down to the apex (empty non-terminals, RFC 4592 §2.2.2). */
  names: Set<string>;
  /** Delegation points: names below the apex with NS records; queries at or below one get a referral. */
  cuts: Set<string>;
  soa: Rdata & { type: 'SOA' };
}

/** Addresses that proxied names and the service domain's names answer with. */
export interface DnsAddresses {
  /** `--edge-address`: what proxied records, `*.tunnel.D`, `*.cdn.D`, `*.quick.D` and `*.access.D` resolve to. */
  edge: readonly string[];
  /** `--ns-address`: what `ns1.D` and `ns2.D` resolve to. */
  ns: readonly string[];
}

/** Every zone this server is authoritative for, by lower-case name. */
export type ZoneIndex = ReadonlyMap<string, ServedZoneData>;

function node(z: { nodes: Map<string, ZoneNode> }, name: string): ZoneNode {
  let n = z.nodes.get(name);
  if (n === undefined) {
    n = { rrsets: new Map(), cname: undefined };
    z.nodes.set(name, n);
  }
  return n;
}

function add(n: ZoneNode, rr: Rdata): void {
  const list = n.rrsets.get(rr.type);
  if (list === undefined) n.rrsets.set(rr.type, [rr]);
  else list.push(rr);
}

function addressRecords(n: ZoneNode, addresses: readonly string[], ttl: number): void {
  for (const a of addresses) {
    if (isIPv4(a)) add(n, { type: 'A', ttl, data: a });
    else if (isIPv6(a)) add(n, { type: 'AAAA', ttl, data: a });
  }
}

/**
 * TXT content as the API stores it: either `"a" "b"` (several quoted strings, as in a zone
 * file) or plain text; each string goes out in chunks of at most 255 bytes (RFC 1035 §3.3.14).
 */
export function txtStrings(content: string): Buffer[] {
  const quoted = /^\s*("(?:[^"\\]|\\.)*"\s*)+$/.test(content);
  const parts = quoted
    ? Array.from(content.matchAll(/"((?:[^"\\]|\\.)*)"/g), (m) => (m[1] ?? '').replace(/\\(.)/g, '$1'))
    : [content];
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    if (b.length === 0) out.push(b);
    for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  }
  return out;
}

function recordRdata(r: ServedRecord): Rdata | undefined {
  const ttl = r.ttl <= 1 ? AUTO_TTL_S : r.ttl;
  switch (r.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { type: r.type, ttl, data: r.content };
    case 'TXT':
      return { type: 'TXT', ttl, data: txtStrings(r.content) };
    case 'MX':
      return { type: 'MX', ttl, data: { preference: r.priority ?? 0, exchange: r.content } };
    case 'SRV': {
      const d = JSON.parse(r.data ?? '{}') as { priority?: number; weight?: number; port?: number; target?: string };
      if (d.target === undefined) return undefined;
      return {
        type: 'SRV',
        ttl,
        data: { priority: d.priority ?? 0, weight: d.weight ?? 0, port: d.port ?? 0, target: d.target },
      };
    }
    case 'CAA': {
      const d = JSON.parse(r.data ?? '{}') as { flags?: number; tag?: 'issue' | 'issuewild' | 'iodef'; value?: string };
      if (d.tag === undefined || d.value === undefined) return undefined;
      return { type: 'CAA', ttl, data: { flags: d.flags ?? 0, tag: d.tag, value: d.value } };
    }
  }
}

function newZone(name: string, serial: number, domain: string): ServedZoneData {
  const soa: Rdata & { type: 'SOA' } = {
    type: 'SOA',
    ttl: SOA_TTL_S,
    data: {
      mname: `ns1.${domain}`,
      rname: `hostmaster.${name}`,
      serial,
      refresh: SOA_REFRESH_S,
      retry: SOA_RETRY_S,
      expire: SOA_EXPIRE_S,
      minimum: SOA_MINIMUM_S,
    },
  };
  const z: ServedZoneData = { name, serial, nodes: new Map(), names: new Set([name]), cuts: new Set(), soa };
  const apex = node(z, name);
  add(apex, soa);
  add(apex, { type: 'NS', ttl: NS_TTL_S, data: `ns1.${domain}` });
  add(apex, { type: 'NS', ttl: NS_TTL_S, data: `ns2.${domain}` });
  return z;
}

function addName(z: ServedZoneData, name: string): void {
  // The owner and every ancestor below the apex exist (empty non-terminals match no wildcard).
  if (!name.endsWith(`.${z.name}`)) return;
  for (let n = name; n.length > z.name.length && !z.names.has(n); n = n.slice(n.indexOf('.') + 1)) z.names.add(n);
}

/**
 * The service domain D: `ns1/ns2.D` (the nameservers of full zones), and the names the
 * edge answers for (`edge.D`, `*.tunnel.D`, `*.cdn.D`, `*.quick.D`, `*.access.D`).
 */
export function serviceZone(domain: string, serial: number, addresses: DnsAddresses): ServedZoneData {
  const z = newZone(domain, serial, domain);
  for (const ns of ['ns1', 'ns2']) {
    const name = `${ns}.${domain}`;
    addressRecords(node(z, name), addresses.ns, NS_TTL_S);
    addName(z, name);
  }
  for (const name of [
    `edge.${domain}`,
    `dash.${domain}`,
    ...['tunnel', 'cdn', 'quick', 'access'].map((l) => `*.${l}.${domain}`),
  ]) {
    addressRecords(node(z, name), addresses.edge, AUTO_TTL_S);
    addName(z, name);
  }
  return z;
}

/**
 * A zone's records as the DNS answers them. Proxied names (a proxied A/AAAA/CNAME, or any
 * CNAME into `tunnel.D`) answer with the edge's addresses and never with their content:
 * a tunnel's UUID must not leak to the world. A paused zone is DNS-only (as Cloudflare's):
 * proxied records answer with their own content, except CNAMEs into `tunnel.D`, which still
 * answer with the edge (the UUID stays hidden; the edge says the zone is paused).
 */
export function userZone(
  zone: ServedZone,
  records: readonly ServedRecord[],
  serial: number,
  domain: string,
  addresses: DnsAddresses,
): ServedZoneData {
  const z = newZone(zone.name, serial, domain);
  const proxied = new Set<string>();
  for (const r of records) {
    if (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') {
      const toTunnel = r.type === 'CNAME' && isUnderTunnelDomain(r.content, domain);
      if (toTunnel || (r.proxied === 1 && zone.paused !== 1)) proxied.add(r.name);
    }
  }
  for (const r of records) {
    if (r.name !== z.name && !r.name.endsWith(`.${z.name}`)) continue;
    // The apex's NS records are warren's own (the API refuses others there).
    if (r.type === 'NS' && r.name === z.name) continue;
    if (r.type === 'NS') z.cuts.add(r.name);
    addName(z, r.name);
    const n = node(z, r.name);
    if (proxied.has(r.name) && (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME')) continue;
    const rd = recordRdata(r);
    if (rd === undefined) continue;
    if (rd.type === 'CNAME') n.cname = rd.data;
    add(n, rd);
  }
  for (const name of proxied) addressRecords(node(z, name), addresses.edge, AUTO_TTL_S);
  return z;
}

export const ACME_CHALLENGE_TTL_S = 60; // 1 minute: a DNS-01 value lives only while its order is validated

/**
 * An ACME DNS-01 value in flight at `name` (`_acme-challenge.<host>`) of the zone serving it,
 * beside any TXT the zone has there. A name the zone delegates or CNAMEs elsewhere is left alone.
 */
export function addAcmeChallenge(index: ZoneIndex, name: string, value: string): void {
  const z = owningZoneIn(name, index);
  if (z === undefined || name === z.name) return;
  for (let n = name; n !== z.name; n = n.slice(n.indexOf('.') + 1)) if (z.cuts.has(n)) return;
  const n = node(z, name);
  if (n.cname !== undefined) return;
  addName(z, name);
  add(n, { type: 'TXT', ttl: ACME_CHALLENGE_TTL_S, data: [Buffer.from(value, 'utf8')] });
}
