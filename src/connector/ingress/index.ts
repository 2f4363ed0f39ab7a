export { Ingress } from './ingress.js';
export { IngressError } from './ingress-error.js';
export { IngressRule, type IngressRuleInit } from './ingress-rule.js';
export {
  type AccessConfig,
  DEFAULT_ORIGIN_REQUEST,
  mergeOriginRequest,
  type OriginRequestConfig,
  type OriginRequestOverrides,
} from './origin-request.js';
export { describeService, type OriginService, OriginServiceError, parseOriginService } from './origin-service.js';
export { normalizeHost, requestHost, requestPath } from './request-target.js';
export type { UnvalidatedIngressRule } from './unvalidated-ingress-rule.js';
