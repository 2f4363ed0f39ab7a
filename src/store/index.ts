export { type Clock, SYSTEM_CLOCK } from '../time/index.js';
export { AccessCertificateStore } from './access-certificate-store.js';
export { AccessKeyStore } from './access-key-store.js';
export { AccessStore } from './access-store.js';
export { accountTokenOwnerEmail, isAccountTokenOwner } from './account-token-owner.js';
export { AcmeStore, dnsChallengeKey } from './acme-store.js';
export { type AuditEntry, type AuditFilter, AuditLogStore } from './audit-log-store.js';
export { type CertificateFilter, CertificateStore } from './certificate-store.js';
export { ChangeFeed, type ChangeTopic } from './change-feed.js';
export { ClassicRecordStore } from './classic-record-store.js';
export { ClusterStateStore, type TunnelSlot } from './cluster-state-store.js';
export { DashboardSessionStore } from './dashboard-session-store.js';
export {
  DATA_DIR_MODE,
  ensureDataDir,
  ensurePrivateFile,
  loosePermissions,
  PRIVATE_FILE_MODE,
  warnLoosePermissions,
} from './data-dir.js';
export { DnsZoneReader, type ServedRecord, type ServedZone } from './dns-zone-reader.js';
export { EdgeCertificateStore } from './edge-certificate-store.js';
export { EdgeMemberStore, type PeerLinkRow } from './edge-member-store.js';
export { FeedCache, FeedReload, type FeedReloadOptions } from './feed-reload.js';
export {
  DATABASE_FAULT_CODES,
  DATABASE_FAULT_WORDS,
  type DatabaseFault,
  type DatabaseFaultReason,
  databaseFault,
} from './health/database-fault.js';
export { DATABASE_PROBE_INTERVAL_MS, DatabaseHealth, type DatabaseStatus } from './health/database-health.js';
export { DatabaseMetrics } from './health/database-metrics.js';
export { IdentityStore, type Membership, type NewToken, type TokenChange } from './identity-store.js';
export { hashToken, newId, newTokenValue, newUuid } from './ids.js';
export { LoginTransferStore } from './login-transfer-store.js';
export {
  appDomainHost,
  isWithin,
  longestZone,
  type OwnedZone,
  owningZone,
  owningZoneIn,
} from './owning-zone.js';
export { verifyPasswordOrDummy } from './password-hash.js';
export { AUDIT_ACTIONS, type AuditAction } from './schema/audit-actions.js';
/** Every table's row shape, and the Database that lists them. */
export type * from './schema/schema.js';
export { fingerprint, SecretBox } from './secret-box.js';
export { SetupLinkStore } from './setup-link-store.js';
export { type Dialect, isUniqueViolation, type Repositories, Store, type StoreOptions } from './store.js';
export { TunnelConfigurationStore } from './tunnel-configuration-store.js';
export { type TunnelFilter, TunnelStore } from './tunnel-store.js';
export {
  type NewRecord,
  type Page,
  type Paged,
  RECORD_ORDERS,
  type RecordChange,
  type RecordFilter,
  type RecordOrder,
  ZoneStore,
} from './zone-store.js';
