export { AccessGate, type GateApp } from './access-gate.js';
export {
  type AccessJwtInput,
  type AccessSubject,
  firstIssueAfter,
  revocationTime,
  signAccessJwt,
} from './access-jwt.js';
export {
  type AccessGroupDef,
  type AccessIdentity,
  type AccessRule,
  type GroupLookup,
  ruleMatches,
  rulesMatch,
} from './access-rule.js';
export { type AccessSession, AccessSessionCache, type JwksSource } from './access-session-cache.js';
export { type AppDomain, appCoversHost, isHostname, matchApp, parseAppDomain } from './app-matcher.js';
export {
  commonNameOf,
  parseCertificate,
  type TrustedClientCa,
  type VerifiedClientCertificate,
  verifyClientCertificate,
} from './client-certificate.js';
export { type IdpFetch, idpFetch, isPublicAddress } from './idp-fetch.js';
export { type JwksDocument, jwksDocument, type PublishedKey } from './jwks-document.js';
export {
  AccessKeyRing,
  DEFAULT_KEY_ROTATION_INTERVAL_DAYS,
  KEY_OVERLAP_MS,
  type KeySettingsView,
} from './key-ring.js';
export { KEY_ROTATION_CHECK_MS, KeyRotationJob } from './key-rotation-job.js';
export { isLoopbackHost, type OidcIdp, oidcConfigProblem, parseOidcIdp } from './oidc-idp.js';
export { OneTimePins, OTP_MAX_ATTEMPTS, OTP_TTL_MS, type PinCheck } from './one-time-pins.js';
export { type OtpMail, OtpMailer } from './otp-mailer.js';
export { hexColour, pageUrl, pageUrlProblem } from './page-url.js';
export {
  MAX_PENDING_OIDC_LOGINS,
  OIDC_LOGIN_TTL_MS,
  type PendingOidcLogin,
  PendingOidcLogins,
  type PendingTake,
} from './pending-oidc-logins.js';
export {
  type AccessPolicyDef,
  admits,
  evaluatePolicies,
  type PolicyDecision,
  type PolicyVerdict,
} from './policy-engine.js';
export { hashServiceSecret, SERVICE_TOKEN_ROTATE_GRACE_MS, serviceSecretValid } from './service-token-check.js';
export {
  ADDRESS_LOCKOUT,
  type LockoutPolicy,
  type SignInAttempt,
  type SignInRefusal,
  SignInThrottle,
  SOURCE_LOCKOUT,
} from './sign-in-throttle.js';
export { generateSigningKey, importSigningKey, type SigningKey, type SigningKeyMaterial } from './signing-key.js';
export { LazySmtpTransport } from './smtp-transport.js';
