import type { AuditEntry } from '../../api';
import { actionWords } from './action-words';
import { csvRows } from './csv-field';

export function auditCsv(entries: readonly AuditEntry[]): string {
  const head = [
    'when',
    'action',
    'action_type',
    'result',
    'actor_email',
    'actor_ip',
    'actor_type',
    'interface',
    'resource_type',
    'resource_id',
    'metadata',
  ];
  const rows = entries.map((e) => [
    e.when,
    actionWords(e.action.type, e.metadata),
    e.action.type,
    e.action.result ? 'success' : 'failure',
    e.actor.email ?? '',
    e.actor.ip ?? '',
    e.actor.type,
    e.interface ?? '',
    e.resource.type ?? '',
    e.resource.id ?? '',
    JSON.stringify(e.metadata ?? {}),
  ]);
  return csvRows([head, ...rows]);
}
