import type { AuditEntry } from '../../api';
import { actionWords } from './action-words';

/** One row of the audit table: an entry, or a connector's links that (un)registered together. */
export interface AuditRow {
  id: string;
  first: AuditEntry;
  /** Every entry this row stands for (one, or a connector's 4 HA connections). */
  entries: readonly AuditEntry[];
}

const CONNECTION_EVENTS = new Set(['Registered', 'Unregistered']);

function meta(e: AuditEntry): Record<string, unknown> {
  return typeof e.metadata === 'object' && e.metadata !== null ? (e.metadata as Record<string, unknown>) : {};
}

/** The connector (and tunnel) of a connection entry, or undefined for any other entry. */
function connectorKey(e: AuditEntry): string | undefined {
  if (!CONNECTION_EVENTS.has(e.action.type)) return undefined;
  const connector = meta(e).connector_id;
  return typeof connector === 'string' ? `${e.action.type} ${e.resource.id ?? ''} ${connector}` : undefined;
}

/**
 * Entries as rows: adjacent Registered (or Unregistered) entries of one connector on one tunnel
 * are one row, as a person sees "the connector connected" rather than its four links.
 */
export function auditRows(entries: readonly AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  let open: { key: string; entries: AuditEntry[] } | undefined;
  for (const e of entries) {
    const key = connectorKey(e);
    if (key !== undefined && open !== undefined && open.key === key) {
      open.entries.push(e);
      continue;
    }
    const group = [e];
    rows.push({ id: e.id, first: e, entries: group });
    open = key === undefined ? undefined : { key, entries: group };
  }
  return rows;
}

/** The row in words: "Connector connected to tunnel web (4 connections)", else the entry's words. */
export function rowWords(row: AuditRow): string {
  const e = row.first;
  if (!CONNECTION_EVENTS.has(e.action.type)) return actionWords(e.action.type, e.metadata);
  const name = meta(e).tunnel_name;
  const tunnel = typeof name === 'string' && name !== '' ? `tunnel ${name}` : `tunnel ${e.resource.id ?? ''}`;
  const n = row.entries.length;
  const verb = e.action.type === 'Registered' ? 'connected to' : 'disconnected from';
  return `Connector ${verb} ${tunnel} (${n} connection${n === 1 ? '' : 's'})`;
}
