import type { DnsRecordRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { RecordInput } from './dns-record-input.js';

const PROXIED_TAG = 'cf_tags=cf-proxied:true'; // Cloudflare's marker in its own exports
const IMPORT_TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'CAA', 'NS', 'PTR']);
const MAX_IMPORT_RECORDS = 10_000;

function quote(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const QUOTED = /^\s*("(?:[^"\\]|\\.)*"\s*)+$/;

function txtRdata(content: string): string {
  if (QUOTED.test(content)) return content.trim();
  const b = Buffer.from(content, 'utf8');
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 255) parts.push(quote(b.subarray(i, i + 255).toString('utf8')));
  return parts.length === 0 ? '""' : parts.join(' ');
}

/** A zone's records in BIND zone-file format, as Cloudflare exports it (proxied records tagged in a comment). */
export function formatZoneFile(zone: string, records: readonly DnsRecordRow[], now: Date): string {
  const lines = [`;; Domain:     ${zone}.`, `;; Exported:   ${now.toISOString()}`, '', `$ORIGIN ${zone}.`, ''];
  const order = ['NS', 'A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'CAA', 'PTR'];
  const sorted = [...records].sort(
    (a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
  );
  for (const r of sorted) {
    let rdata: string;
    switch (r.type) {
      case 'A':
      case 'AAAA':
        rdata = r.content;
        break;
      case 'CNAME':
      case 'NS':
      case 'PTR':
        rdata = `${r.content}.`;
        break;
      case 'MX':
        rdata = `${r.priority ?? 0} ${r.content}.`;
        break;
      case 'TXT':
        rdata = txtRdata(r.content);
        break;
      case 'SRV': {
        const d = JSON.parse(r.data ?? '{}') as { priority: number; weight: number; port: number; target: string };
        rdata = `${d.priority} ${d.weight} ${d.port} ${d.target}.`;
        break;
      }
      case 'CAA': {
        const d = JSON.parse(r.data ?? '{}') as { flags: number; tag: string; value: string };
        rdata = `${d.flags} ${d.tag} ${quote(d.value)}`;
        break;
      }
    }
    lines.push(`${r.name}.\t${r.ttl}\tIN\t${r.type}\t${rdata}${r.proxied === 1 ? ` ; ${PROXIED_TAG}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Splits one line into tokens (quoted strings kept whole, quotes included) and its comment. */
function tokenize(line: string, lineNo: number): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === ';') {
      return { tokens, comment: line.slice(i + 1) };
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) throw ApiError.invalid(`zone file line ${lineNo}: unterminated quoted string`);
      tokens.push(line.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && !' \t;"'.includes(line[j] as string)) j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return { tokens, comment: '' };
}

function unquote(t: string): string {
  return t.startsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t;
}

/**
 * Records from a BIND zone file (`$ORIGIN`, `$TTL`, relative names, `@`, a blank owner for
 * "the previous one", parentheses across lines, comments). SOA and apex NS are warren's own and
 * are skipped; other types it does not store are an error naming the line.
 */
export function parseZoneFile(text: string, zone: string): { records: RecordInput[]; parsed: number } {
  let origin = zone;
  let defaultTtl = 1;
  let previous: string | undefined;
  const records: RecordInput[] = [];
  let parsed = 0;
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  for (let n = 0; n < raw.length; n++) {
    const lineNo = n + 1;
    let line = raw[n] as string;
    // Parentheses continue a record over several lines (SOA, long TXT).
    let { tokens, comment } = tokenize(line, lineNo);
    if (tokens.includes('(')) {
      while (!tokens.includes(')') && n + 1 < raw.length) {
        n++;
        line += ` ${raw[n] as string}`;
        ({ tokens, comment } = tokenize(line, lineNo));
      }
      tokens = tokens.filter((t) => t !== '(' && t !== ')');
    }
    if (tokens.length === 0) continue;
    const first = tokens[0] as string;
    if (first.toUpperCase() === '$ORIGIN') {
      origin = (tokens[1] ?? '').replace(/\.$/, '').toLowerCase();
      continue;
    }
    if (first.toUpperCase() === '$TTL') {
      defaultTtl = Number(tokens[1]);
      continue;
    }
    if (first.startsWith('$')) throw ApiError.invalid(`zone file line ${lineNo}: ${first} is not supported`);
    const blankOwner = line.startsWith(' ') || line.startsWith('\t');
    let i = 0;
    let owner: string;
    if (blankOwner) {
      if (previous === undefined) throw ApiError.invalid(`zone file line ${lineNo}: a record needs an owner name`);
      owner = previous;
    } else {
      const o = tokens[i++] as string;
      owner = o === '@' ? origin : o.endsWith('.') ? o.slice(0, -1) : `${o}.${origin}`;
    }
    previous = owner;
    let ttl = defaultTtl;
    let type: string | undefined;
    // [ttl] [class] type, in either order of ttl and class.
    for (let k = 0; k < 3 && i < tokens.length; k++) {
      const t = tokens[i] as string;
      if (/^\d+$/.test(t)) {
        ttl = Number(t);
        i++;
      } else if (/^(IN|CH|HS)$/i.test(t)) {
        i++;
      } else {
        type = t.toUpperCase();
        i++;
        break;
      }
    }
    if (type === undefined) throw ApiError.invalid(`zone file line ${lineNo}: no record type`);
    const rdata = tokens.slice(i);
    parsed++;
    // SOA and the apex's NS are warren's own: skipped. NS below the apex is a delegation, kept.
    if (type === 'SOA' || (type === 'NS' && owner.toLowerCase() === zone)) continue;
    if (!IMPORT_TYPES.has(type))
      throw ApiError.invalid(
        `zone file line ${lineNo}: ${type} records are not supported (A, AAAA, CNAME, TXT, MX, SRV, CAA, NS, PTR)`,
      );
    const proxied = comment.includes(PROXIED_TAG);
    const name = owner.toLowerCase();
    const fqdn = (t: string | undefined): string => {
      if (t === undefined) throw ApiError.invalid(`zone file line ${lineNo}: ${type} record is missing its data`);
      return t === '@' ? origin : t.endsWith('.') ? t.slice(0, -1) : `${t}.${origin}`;
    };
    const base = { name, type: type as RecordInput['type'], ttl, ...(proxied ? { proxied: true } : {}) };
    switch (type) {
      case 'A':
      case 'AAAA':
        records.push({ ...base, content: rdata[0] ?? '' });
        break;
      case 'CNAME':
      case 'NS':
      case 'PTR':
        records.push({ ...base, content: fqdn(rdata[0]) });
        break;
      case 'MX':
        records.push({ ...base, priority: Number(rdata[0]), content: fqdn(rdata[1]) });
        break;
      case 'SRV':
        records.push({
          ...base,
          data: {
            priority: Number(rdata[0]),
            weight: Number(rdata[1]),
            port: Number(rdata[2]),
            target: fqdn(rdata[3]),
          },
        });
        break;
      case 'CAA':
        records.push({ ...base, data: { flags: Number(rdata[0]), tag: rdata[1], value: unquote(rdata[2] ?? '') } });
        break;
      case 'TXT': {
        const strings = rdata.map(unquote);
        // Our own export splits long text at 255 bytes: join such chunks back into one string.
        const chunked = strings.slice(0, -1).every((s) => Buffer.byteLength(s) === 255);
        records.push({ ...base, content: strings.length === 1 || chunked ? strings.join('') : rdata.join(' ') });
        break;
      }
    }
    if (records.length > MAX_IMPORT_RECORDS)
      throw ApiError.invalid(`the zone file has more than ${MAX_IMPORT_RECORDS} records; split it`);
  }
  return { records, parsed };
}
