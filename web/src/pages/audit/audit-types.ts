/** The API's audit log entry (src/control/audit-log-routes.ts auditView). */
export interface AuditEntry {
  id: string;
  action: { type: string; result: boolean };
  actor: {
    id: string | null;
    email: string | null;
    ip: string | null;
    type: string;
  };
  interface: string | null;
  metadata: unknown;
  newValueJson: unknown;
  oldValueJson: unknown;
  resource: { id: string | null; type: string | null };
  when: string;
}
