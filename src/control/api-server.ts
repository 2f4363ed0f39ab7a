import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ApiServerOptions {
  logger: Logger;
  /** Answers /healthz 200 only when this says so (edge and API ready). */
  ready: () => boolean;
}

/**
 * The control API (Cloudflare v4 shapes under /client/v4) and the dashboard.
 * Routes are registered by the control plane's plugins; this owns the server itself.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger,
  });
  app.get('/healthz', async (_req, reply) => {
    if (!options.ready()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  return app;
}
