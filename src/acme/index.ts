export { AcmeIssuer, type AcmeIssuerOptions, type CertificateIssuer } from './acme-issuer.js';
export { type AcmeLimits, backoffMs, DEFAULT_ACME_LIMITS } from './acme-limits.js';
export { AcmeManager, type AcmeManagerOptions } from './acme-manager.js';
export { AcmeMetrics } from './acme-metrics.js';
