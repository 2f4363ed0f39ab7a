import type { AuditAction, Repositories } from '../../store/index.js';
import type { Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';

/** One audit entry for an Access configuration change (in the change's transaction). */
export async function auditAccess(
  tx: Repositories,
  p: Principal,
  accountId: string,
  action: AuditAction,
  resource: { id: string; type: string },
  values: { newValue?: unknown; oldValue?: unknown; metadata?: Record<string, unknown> } = {},
): Promise<void> {
  await audit(tx, byApi(p), {
    accountId,
    action,
    resource,
    ...values,
  });
}
