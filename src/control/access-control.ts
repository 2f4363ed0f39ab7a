import { AccessKeyRing, KeyRotationJob } from '../access/index.js';
import { accessAppRoutes } from './access-app-routes.js';
import { accessIdpRoutes } from './access-idp-routes.js';
import { accessKeyRoutes } from './access-key-routes.js';
import { accessPolicyRoutes } from './access-policy-routes.js';
import { accessServiceTokenRoutes } from './access-service-token-routes.js';
import type { ApiRoute } from './api-route.js';
import type { ControlContext } from './control-context.js';

/** Access in the control plane: its routes, the signing key ring and the key rotation job. */
export class AccessControl {
  readonly ring: AccessKeyRing;
  readonly rotation: KeyRotationJob;
  readonly routes: readonly ApiRoute[];

  constructor(ctx: ControlContext) {
    this.ring = new AccessKeyRing(ctx.store);
    this.rotation = new KeyRotationJob(this.ring, ctx.logger);
    this.routes = [
      ...accessKeyRoutes(ctx, this.ring),
      ...accessAppRoutes(ctx),
      ...accessPolicyRoutes(ctx),
      ...accessServiceTokenRoutes(ctx),
      ...accessIdpRoutes(ctx),
    ];
  }
}
