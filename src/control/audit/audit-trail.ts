import type { AuditEntry, Repositories } from '../../store/index.js';
import type { Principal } from '../api/principal.js';

/** Who acts and through which interface: what every audit entry of one request shares. */
export interface AuditBy {
  actor: AuditEntry['actor'];
  interface: string;
}

/** The caller of an API request, as the audit log names it. */
export function byApi(p: Principal): AuditBy {
  return { actor: { id: p.user.id, email: p.user.email, ip: p.ip, type: 'user' }, interface: 'API' };
}

/** An audit entry minus who did it (that comes from `AuditBy`). */
export type AuditEvent = Omit<AuditEntry, 'actor' | 'interface'>;

/** Appends the entries, in order, as `by`; inside the caller's transaction when `tx` is one. */
export async function audit(tx: Repositories, by: AuditBy, ...events: AuditEvent[]): Promise<void> {
  for (const e of events) await tx.audit.append({ ...e, actor: by.actor, interface: by.interface });
}
