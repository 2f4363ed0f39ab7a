import type { FastifyInstance } from 'fastify';
import { AccessKeyRing, KeyRotationJob } from '../../access/index.js';
import { SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import type { ApiRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { accessAppRoutes } from './access-app-routes.js';
import { accessCertificateRoutes } from './access-certificate-routes.js';
import { accessIdpRoutes } from './access-idp-routes.js';
import { accessKeyRoutes } from './access-key-routes.js';
import { accessLogRoutes } from './access-log-routes.js';
import { accessPolicyRoutes } from './access-policy-routes.js';
import { accessServiceTokenRoutes } from './access-service-token-routes.js';

/** Access in the control plane: its routes, the signing key ring and the key rotation job. */
export class AccessControl {
  readonly ring: AccessKeyRing;
  readonly rotation: KeyRotationJob;
  readonly routes: readonly ApiRoute[];

  readonly #ctx: ControlContext;

  constructor(ctx: ControlContext, timers: Timers = SYSTEM_TIMERS) {
    this.#ctx = ctx;
    this.ring = new AccessKeyRing(ctx.store);
    this.rotation = new KeyRotationJob(this.ring, ctx.logger, timers, ctx.store);
    this.routes = [
      ...accessKeyRoutes(ctx, this.ring),
      ...accessAppRoutes(ctx),
      ...accessPolicyRoutes(ctx),
      ...accessServiceTokenRoutes(ctx),
      ...accessIdpRoutes(ctx),
      ...accessLogRoutes(ctx),
      ...accessCertificateRoutes(ctx),
    ];
  }

  /**
   * `GET /cdn-cgi/access/certs` for a request whose Host is an account's team domain
   * (`<team>.access.<domain>`, from its organization): the JWKS at the address verifiers use by
   * default, for when the team domain points at this API. Unknown hosts get 404.
   */
  registerPages(app: FastifyInstance): void {
    app.get('/cdn-cgi/access/certs', async (req, reply) => {
      const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
      const org = host === '' ? undefined : await this.#ctx.store.access.organizationByAuthDomain(host);
      if (org === undefined) {
        return reply.code(404).send({ error: `${host || 'this host'} is not an Access team domain` });
      }
      void reply.header('cache-control', 'public, max-age=300');
      return this.ring.jwks(org.account_id);
    });
  }
}
