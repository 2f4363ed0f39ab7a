import { AccessKeyRing, KeyRotationJob } from '../access/index.js';
import { accessKeyRoutes } from './access-key-routes.js';
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
    this.routes = [...accessKeyRoutes(ctx, this.ring)];
  }
}
