import { ApiError } from '../../api';

/** The API's zone and record shapes (src/control/zone-routes.ts, dns-record-routes.ts) as the pages read them. */
export interface Zone {
  id: string;
  name: string;
  status: 'active' | 'pending' | 'moved' | 'deleted';
  paused: boolean;
  type: 'full' | 'partial';
  name_servers: string[];
  account: { id: string; name: string };
  /** Partial zones: `<host>` CNAME `<host>.<cname_suffix>` at the user's own DNS provider. */
  cname_suffix?: string;
  verification_record?: { type: 'TXT'; name: string; content: string };
}

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  priority?: number;
  meta: { managed_by_argo_tunnel: boolean };
}

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA', 'PTR'] as const;

/**
 * The message for `field` in a failed request: the error's JSON pointer when the server names
 * one, else a message that starts with the field's name ("content "192.0.2" is not…").
 */
export function errorFor(err: unknown, field: string, fields: readonly string[]): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const pointed = err.forField(field);
  if (pointed !== undefined) return pointed;
  const first = err.errors[0];
  if (first === undefined || first.source?.pointer !== undefined) return undefined;
  const lead = /^(?:body\/)?([a-z_]+)\b/i.exec(first.message)?.[1]?.toLowerCase();
  if (lead === field) return first.message;
  // Messages about a record type's content ("CNAME records need content…") belong to content.
  if (field === 'content' && lead !== undefined && !fields.includes(lead) && /\bcontent\b/.test(first.message)) {
    return first.message;
  }
  return undefined;
}

/** Messages no field claims (shown above the form). */
export function generalErrors(err: unknown, fields: readonly string[]): string[] {
  if (!(err instanceof ApiError)) return [err instanceof Error ? err.message : 'something went wrong'];
  return err.errors
    .filter((e) => !fields.some((f) => errorFor(new ApiError(err.status, [e]), f, fields) !== undefined))
    .map((e) => e.message);
}

export function ttlText(ttl: number): string {
  if (ttl === 1) return 'Auto';
  if (ttl % 3600 === 0) return `${ttl / 3600} h`;
  if (ttl % 60 === 0) return `${ttl / 60} min`;
  return `${ttl} s`;
}
