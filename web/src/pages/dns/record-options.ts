import type { Body } from '../../api';

/** The record types the editor offers: each one the API's schema takes (checked by the compiler). */
export const RECORD_TYPES = [
  'A',
  'AAAA',
  'CNAME',
  'TXT',
  'MX',
  'NS',
  'SRV',
  'CAA',
  'PTR',
] as const satisfies readonly Body<'post', '/zones/{zone_id}/dns_records'>['type'][];

export function ttlText(ttl: number): string {
  if (ttl === 1) return 'Auto';
  if (ttl % 3600 === 0) return `${ttl / 3600} h`;
  if (ttl % 60 === 0) return `${ttl / 60} min`;
  return `${ttl} s`;
}
