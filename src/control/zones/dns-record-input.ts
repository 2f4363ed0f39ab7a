import { isIPv4, isIPv6 } from 'node:net';
import type { DnsRecordRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { isWithin, parseHostname } from './hostname.js';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'CAA', 'NS', 'PTR'] as const;
const PROXIABLE = new Set<string>(['A', 'AAAA', 'CNAME']);
export const TTL_AUTO = 1;

/** A record as the API receives it (POST/PUT body, or a PATCH merged over the stored record). */
export interface RecordInput {
  name: string;
  type: DnsRecordRow['type'];
  content?: string | undefined;
  data?: Record<string, unknown> | undefined;
  proxied?: boolean | undefined;
  ttl?: number | undefined;
  priority?: number | undefined;
  comment?: string | null | undefined;
  tags?: string[] | undefined;
}

export type ValidRecord = Pick<
  DnsRecordRow,
  'name' | 'type' | 'content' | 'proxied' | 'ttl' | 'priority' | 'comment' | 'tags' | 'data'
>;

export function isProxiable(type: string): boolean {
  return PROXIABLE.has(type);
}

/** Turns an API record into a stored one, or explains what is wrong with it. */
/** Runs `f`; an ApiError it throws without a field gets `pointer` (the dashboard shows it next to that field). */
function at<T>(pointer: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ApiError && err.pointer === undefined) err.at(pointer);
    throw err;
  }
}

/** Turns an API record into a stored one, or explains what is wrong with it (each error names its field). */
export function validateRecord(input: RecordInput, zone: string): ValidRecord {
  // Every check outside the content names its field below; what is left is about the content.
  return at('/content', () => validateFields(input, zone));
}

function validateFields(input: RecordInput, zone: string): ValidRecord {
  const raw = input.name.trim().toLowerCase();
  // As Cloudflare: "@" is the apex, a name outside the zone is taken as relative to it.
  const rel = raw === '@' || raw === '' ? zone : raw.endsWith('.') ? raw.slice(0, -1) : raw;
  const name = at('/name', () =>
    parseHostname(isWithin(rel, zone) ? rel : `${rel}.${zone}`, 'name', { wildcard: true }),
  );
  const proxied = input.proxied ?? false;
  if (proxied && !PROXIABLE.has(input.type))
    throw ApiError.invalid(`${input.type} records cannot be proxied; only A, AAAA and CNAME can`).at('/proxied');
  const ttl = proxied ? TTL_AUTO : (input.ttl ?? TTL_AUTO);
  if (ttl !== TTL_AUTO && (ttl < 30 || ttl > 86400))
    throw ApiError.invalid('ttl must be 1 (automatic) or from 30 to 86400 seconds').at('/ttl');
  if (input.comment != null && input.comment.length > 100)
    throw ApiError.invalid('comment must be at most 100 characters').at('/comment');
  const tags = input.tags ?? [];
  for (const t of tags)
    if (!/^[^:\s]{1,32}:[^\s]{0,100}$/.test(t))
      throw ApiError.invalid(`tag "${t}" must look like name:value`).at('/tags');
  const base = {
    name,
    type: input.type,
    proxied: proxied ? 1 : 0,
    ttl,
    comment: input.comment ?? null,
    tags: JSON.stringify(tags),
  };
  const need = (what: string): string => {
    if (input.content === undefined || input.content === '')
      throw ApiError.invalid(`${input.type} records need content: ${what}`);
    return input.content;
  };
  switch (input.type) {
    case 'A': {
      const c = need('an IPv4 address');
      if (!isIPv4(c)) throw ApiError.invalid(`content "${c}" is not an IPv4 address (A record)`);
      return { ...base, content: c, priority: null, data: null };
    }
    case 'AAAA': {
      const c = need('an IPv6 address');
      if (!isIPv6(c)) throw ApiError.invalid(`content "${c}" is not an IPv6 address (AAAA record)`);
      return { ...base, content: c, priority: null, data: null };
    }
    case 'CNAME': {
      const c = parseHostname(need('a hostname'), 'content');
      if (c === name) throw ApiError.invalid('a CNAME record cannot point at itself');
      return { ...base, content: c, priority: null, data: null };
    }
    case 'PTR':
      // A reverse name's target (`dig -x`): a hostname, as Cloudflare takes it.
      return { ...base, content: parseHostname(need('a hostname'), 'content'), priority: null, data: null };
    case 'NS': {
      // Only below the apex: a delegation of a subdomain to other servers. The apex's NS are
      // warren's own (ns1/ns2 of the service domain) and cannot be changed.
      if (name === zone)
        throw ApiError.invalid(
          `NS records at the apex of ${zone} are warren's own; NS records delegate a subdomain (e.g. sub.${zone})`,
        ).at('/name');
      if (name.startsWith('*.'))
        throw ApiError.invalid('NS records cannot be wildcards; delegate a named subdomain').at('/name');
      return { ...base, content: parseHostname(need('a name server hostname'), 'content'), priority: null, data: null };
    }
    case 'TXT': {
      const c = need('text');
      if (c.length > 2048) throw ApiError.invalid('TXT content must be at most 2048 characters');
      return { ...base, content: c, priority: null, data: null };
    }
    case 'MX': {
      const c = parseHostname(need('the mail server hostname'), 'content');
      const priority = input.priority;
      if (priority === undefined || !Number.isInteger(priority) || priority < 0 || priority > 65535) {
        throw ApiError.invalid('MX records need priority, an integer from 0 to 65535').at('/priority');
      }
      return { ...base, content: c, priority, data: null };
    }
    case 'SRV': {
      const d = input.data ?? {};
      const n = (k: string, max: number): number => {
        const v = d[k];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
          throw ApiError.invalid(`SRV data.${k} must be an integer from 0 to ${max}`).at(`/data/${k}`);
        return v;
      };
      if (!/^_[a-z0-9-]+\._(tcp|udp|tls)\./.test(name))
        throw ApiError.invalid('SRV names must start with _service._proto (e.g. _sip._tcp.example.com)').at('/name');
      const priority = n('priority', 65535);
      const weight = n('weight', 65535);
      const port = n('port', 65535);
      const target = at('/data/target', () =>
        parseHostname(typeof d.target === 'string' ? d.target : '', 'data.target'),
      );
      return {
        ...base,
        content: `${weight} ${port} ${target}`,
        priority,
        data: JSON.stringify({ priority, weight, port, target }),
      };
    }
    case 'CAA': {
      const d = input.data ?? {};
      const flags = d.flags ?? 0;
      if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 255)
        throw ApiError.invalid('CAA data.flags must be an integer from 0 to 255').at('/data/flags');
      const tag = d.tag;
      if (tag !== 'issue' && tag !== 'issuewild' && tag !== 'iodef')
        throw ApiError.invalid('CAA data.tag must be issue, issuewild or iodef').at('/data/tag');
      const value = d.value;
      if (typeof value !== 'string' || value.length === 0 || value.length > 255 || value.includes('"')) {
        throw ApiError.invalid('CAA data.value must be 1 to 255 characters without quotes').at('/data/value');
      }
      return {
        ...base,
        content: `${flags} ${tag} "${value}"`,
        priority: null,
        data: JSON.stringify({ flags, tag, value }),
      };
    }
  }
}

/** Cloudflare's rules at one name: a CNAME stands alone; identical records are refused. */
export function checkConflicts(record: ValidRecord, existing: readonly DnsRecordRow[], selfId?: string): void {
  const others = existing.filter((r) => r.id !== selfId);
  if (record.type === 'CNAME' && others.length > 0) {
    throw new ApiError(
      'WARREN_DNS_RECORD_EXISTS',
      `${record.name} already has ${others.map((r) => `a ${r.type}`).join(', ')} record; a CNAME cannot share its name: delete or change that record first`,
    ).at('/name');
  }
  const cname = others.find((r) => r.type === 'CNAME');
  if (cname !== undefined) {
    throw new ApiError(
      'WARREN_DNS_RECORD_EXISTS',
      `${record.name} already has a CNAME record (${cname.id}); no other record can share its name: delete or change it first`,
    ).at('/name');
  }
  if (others.some((r) => r.type === record.type && r.content === record.content)) {
    throw new ApiError(
      'WARREN_DNS_RECORD_EXISTS',
      `an identical ${record.type} record for ${record.name} already exists`,
    ).at('/content');
  }
}
