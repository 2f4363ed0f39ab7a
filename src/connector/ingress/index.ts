export { filePathProblem } from './file-path-problem.js';
export { Ingress } from './ingress.js';
export { IngressError, IngressErrors } from './ingress-error.js';
export { IngressRule, type IngressRuleInit, type OriginClientCert, type RuleFiles } from './ingress-rule.js';
export {
  type AccessConfig,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  DEFAULT_ORIGIN_REQUEST,
  type HealthCheckConfig,
  type HealthCheckOverrides,
  MIN_HEALTH_CHECK_INTERVAL_MS,
  mergeOriginRequest,
  type OriginRequestConfig,
  type OriginRequestOverrides,
} from './origin-request.js';
export { describeService, type OriginService, originUrlOf, parseOriginService } from './origin-service.js';
export { headerValue, normalizeHost, requestHost, requestPath } from './request-target.js';
export { bastionAllows } from './tcp-options-check.js';
export type { UnvalidatedIngressRule } from './unvalidated-ingress-rule.js';
