export { type AuditEntry, type AuditFilter, AuditLogStore } from './audit-log-store.js';
export { ChangeFeed, type ChangeTopic } from './change-feed.js';
export { type Clock, SYSTEM_CLOCK } from './clock.js';
export { IdentityStore, type NewToken, type TokenChange } from './identity-store.js';
export { hashToken, newId, newTokenValue, newUuid } from './ids.js';
export type {
  AccountRow,
  ApiTokenRow,
  AuditLogRow,
  Database,
  DnsRecordRow,
  MembershipRow,
  TunnelConnectionRow,
  TunnelRow,
  UserRow,
  ZoneRow,
} from './schema.js';
export { fingerprint, SecretBox } from './secret-box.js';
export { type Dialect, isUniqueViolation, type Repositories, Store, type StoreOptions } from './store.js';
export { type TunnelFilter, TunnelStore } from './tunnel-store.js';
export {
  type NewRecord,
  type Page,
  type Paged,
  type RecordChange,
  type RecordFilter,
  ZoneStore,
} from './zone-store.js';
