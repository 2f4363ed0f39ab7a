import type { OriginRequestOverrides } from './origin-request.js';

/**
 * One `ingress[]` entry as a config file wrote it, types already checked but nothing else
 * (cloudflared's `UnvalidatedIngressRule`). `Ingress.validate` turns a list of them into an `Ingress`.
 */
export interface UnvalidatedIngressRule {
  hostname?: string | undefined;
  path?: string | undefined;
  service?: string | undefined;
  originRequest?: OriginRequestOverrides | undefined;
}
