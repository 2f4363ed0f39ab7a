import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { WarrenError } from '../../errors/index.js';
import type { Repositories, SecretBox } from '../../store/index.js';
import { csrfGuard } from '../identity/dashboard-session.js';
import { ApiError } from './api-error.js';
import type { ApiRoute, JsonSchema } from './api-route.js';
import { databaseApiError } from './database-api-error.js';
import { type HealthSources, registerHealthRoutes } from './health-routes.js';
import { openApiDocument } from './openapi.js';
import { authenticate } from './principal.js';

export const API_PREFIX = '/client/v4';
export const API_BODY_LIMIT = 1024 * 1024; // 1 MiB; no control-plane body is anywhere near

export interface ApiServerOptions {
  logger: Logger;
  /** Answers /healthz (and /readyz) 200 only when this says so (edge and API listening). */
  ready: () => boolean;
  /** What /readyz reports about the database (503 while writes fail); default: nothing to report. */
  database?: HealthSources['database'];
  /** The edge's Prometheus registry, served at GET /metrics (counters of refused visitors; no secrets). */
  metrics?: { contentType: string; metrics(): Promise<string> } | undefined;
  /** The control plane's routes and what they need to authenticate callers; absent in a bare edge. */
  control?: {
    routes: readonly ApiRoute[];
    store: Repositories;
    now: () => Date;
    /** Checks X-Auth-Email + X-Auth-Key (global API keys are derived from it); without it only Bearer tokens work. */
    secrets?: SecretBox;
    /** Server-rendered pages outside /client/v4 (the `warren login` authorization page). */
    pages?: (app: FastifyInstance) => void;
    /** Answers a request no route matched (the dashboard's files and deep links); true when it did. */
    fallback?: (req: FastifyRequest, reply: FastifyReply) => boolean;
  };
}

/**
 * The control API (Cloudflare v4 shapes under /client/v4) and the dashboard.
 * Every failure is a Cloudflare envelope with a numeric `code` and warren's `warren_code`.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const logger = options.logger.child({ component: 'api' }, { level: 'warn' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: API_BODY_LIMIT,
    // Errors the router raises before any route runs (a path parameter over 100 characters, a
    // malformed %-escape) get the same envelope as every other error.
    frameworkErrors: (err, _req, reply) => {
      const e =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ApiError(
              'WARREN_API_INVALID',
              `a path segment is longer than ${MAX_PARAM_LENGTH} characters; ids are 32 hex digits`,
              414,
            )
          : ApiError.invalid('the request path is not a valid URL (check its %-escapes)');
      void (reply as FastifyReply).code(e.status).send(envelopeOf(e.cfCode, e.message, e.code));
    },
    // Requests node's HTTP parser rejects (malformed request line or headers) never reach fastify.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const [status, message] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? ['431 Request Header Fields Too Large', 'the request headers are too large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? ['408 Request Timeout', 'the request did not arrive in time']
            : ['400 Bad Request', 'the request is not valid HTTP/1.1'];
      const body = JSON.stringify(envelopeOf(1001, message, 'WARREN_API_INVALID'));
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // Unknown body fields are an error, not silently dropped; no type coercion of bodies.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // Clients send DELETE with a JSON content type and no body; that is not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(ApiError.invalid('the request body is not valid JSON'), undefined);
    }
  });
  // multipart/form-data text fields (Cloudflare's clients upload zone files this way); no files on disk.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (req, body, done) => {
    done(
      null,
      parseMultipartFields(
        String(req.headers['content-type']),
        typeof body === 'string' ? body : body.toString('utf8'),
      ),
    );
  });
  app.setErrorHandler((err: FastifyError | WarrenError, req, reply) => {
    const e = toWarrenError(err);
    // `err` is the driver's own error (SQLITE_FULL, 57P01, …): a failed rollback no longer replaces it.
    // The path only: a query may hold a one-time token (/setup, /invite).
    if (e.status >= 500)
      req.log.error({ err, warrenCode: e.code, url: req.url.split('?')[0], method: req.method }, 'api: request failed');
    if (e instanceof ApiError && e.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(e.retryAfterSeconds));
    }
    const pointer = e instanceof ApiError ? e.pointer : undefined;
    const body = envelopeOf(e.cfCode, e.message, e.code, pointer);
    // Several invalid fields at once: one entry each, in order.
    for (const more of e instanceof ApiError ? e.also : []) {
      body.errors.push(envelopeOf(more.cfCode, more.message, more.code, more.pointer).errors[0] as ApiErrorEntry);
    }
    void reply.code(e.status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    // The dashboard answers GETs of its own paths (deep links) with its page.
    if (options.control?.fallback?.(req, reply) === true) return;
    // The path exists with other methods: 405 with Allow, as Cloudflare's 7001.
    const allow = ROUTE_METHODS.filter((m) => m !== req.method && app.findRoute({ method: m, url: path }) !== null);
    if (allow.length > 0) {
      void reply
        .code(405)
        .header('allow', allow.join(', '))
        .send(
          envelopeOf(
            7001,
            `${req.method} is not allowed on ${path}; use ${allow.join(', ')} (see ${API_PREFIX}/openapi.json)`,
            'WARREN_API_NOT_FOUND',
          ),
        );
      return;
    }
    void reply
      .code(404)
      .send(
        envelopeOf(
          7000,
          `no route for ${req.method} ${path}; see ${API_PREFIX}/openapi.json for the API`,
          'WARREN_API_NOT_FOUND',
        ),
      );
  });
  registerHealthRoutes(app, { ready: options.ready, database: options.database });
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  }
  const control = options.control;
  if (control !== undefined) {
    for (const r of control.routes) registerRoute(app, r, control);
    const doc = openApiDocument(control.routes, API_PREFIX);
    app.get(`${API_PREFIX}/openapi.json`, async () => doc);
    control.pages?.(app);
  }
  return app;
}

const MAX_PARAM_LENGTH = 100; // fastify's default maxParamLength (characters)
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface ApiErrorEntry {
  code: number;
  message: string;
  warren_code: string;
  source?: { pointer: string };
}

/** The Cloudflare error envelope: every API failure, from a route or from before routing. */
function envelopeOf(
  code: number,
  message: string,
  warrenCode: string,
  pointer?: string,
): {
  success: false;
  errors: ApiErrorEntry[];
  messages: [];
  result: null;
} {
  const error = { code, message, warren_code: warrenCode };
  return {
    success: false,
    errors: [pointer === undefined ? error : { ...error, source: { pointer } }],
    messages: [],
    result: null,
  };
}

function registerRoute(app: FastifyInstance, r: ApiRoute, control: NonNullable<ApiServerOptions['control']>): void {
  const schema: Record<string, JsonSchema> = {};
  if (r.params !== undefined) {
    schema.params = { type: 'object', properties: r.params, required: Object.keys(r.params) };
  }
  if (r.query !== undefined) schema.querystring = { type: 'object', properties: r.query };
  if (r.body !== undefined) schema.body = { additionalProperties: false, ...r.body };
  app.route({
    method: r.method,
    url: `${API_PREFIX}${r.url}`,
    schema,
    // Cookie-authenticated changes need the session's CSRF token and this origin.
    ...(r.auth === false ? {} : { onRequest: csrfGuard }),
    // Query strings are text: turn "?page=2" and "?proxied=true" into the schema's types before
    // validation. Bodies are never coerced (see the ajv options above).
    preValidation: async (req) => {
      if (r.query !== undefined) coerceQuery(req.query as Record<string, unknown>, r.query);
    },
    handler: async (req, reply) => {
      const principal =
        r.auth === false ? undefined : await authenticate(req, control.store, control.now(), control.secrets);
      if (r.method !== 'GET' && r.body !== undefined && req.body === undefined) {
        throw ApiError.invalid('this request needs a JSON body (Content-Type: application/json)');
      }
      return r.handler({ params: req.params, query: req.query, body: req.body, principal, req, reply });
    },
  });
}

/** The text fields of a multipart/form-data body, by name (later ones win); {} when it has none. */
function parseMultipartFields(contentType: string, body: string): Record<string, string> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  const fields: Record<string, string> = {};
  if (boundary === undefined) return fields;
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(part.slice(0, split))?.[1];
    if (name === undefined || name === '__proto__') continue;
    fields[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}

function coerceQuery(query: Record<string, unknown>, props: Record<string, JsonSchema>): void {
  for (const [key, schema] of Object.entries(props)) {
    const v = query[key];
    if (typeof v !== 'string') continue;
    if (schema.type === 'integer' && /^-?[0-9]{1,15}$/.test(v)) query[key] = Number(v);
    else if (schema.type === 'boolean' && (v === 'true' || v === 'false')) query[key] = v === 'true';
  }
}

function toWarrenError(err: FastifyError | WarrenError): WarrenError {
  if (err instanceof WarrenError) return err;
  const fe = err as FastifyError;
  if (fe.validation !== undefined && fe.validation.length > 0) {
    const v = fe.validation[0];
    const where = `${fe.validationContext ?? 'request'}${v?.instancePath === '' ? '' : v?.instancePath.replaceAll('/', '.')}`;
    const params = (v?.params ?? {}) as Record<string, unknown>;
    // Body errors name their field as a JSON pointer, so the dashboard puts them next to it.
    const at = (e: ApiError, field?: unknown): ApiError =>
      fe.validationContext === 'body'
        ? e.at(`${v?.instancePath ?? ''}${field === undefined ? '' : `/${String(field)}`}`)
        : e;
    if (v?.keyword === 'additionalProperties') {
      return at(
        ApiError.invalid(
          `${where} has an unknown field "${String(params.additionalProperty)}"; remove it (see ${API_PREFIX}/openapi.json)`,
        ),
        params.additionalProperty,
      );
    }
    if (v?.keyword === 'required')
      return at(
        ApiError.invalid(`${where} is missing the field "${String(params.missingProperty)}"`),
        params.missingProperty,
      );
    return at(ApiError.invalid(`${where} ${v?.message ?? 'is invalid'}`));
  }
  if (fe.statusCode === 413) return new ApiError('WARREN_API_INVALID', 'the request body is larger than 1 MiB', 413);
  if (fe.statusCode === 415) {
    return new ApiError('WARREN_API_INVALID', 'send the body as JSON (Content-Type: application/json)', 415);
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError('WARREN_API_INVALID', fe.message, fe.statusCode);
  }
  // A database that fails for a while (full disk, restart, conflict): 503 + Retry-After, retryable.
  const transient = databaseApiError(err);
  if (transient !== undefined) return transient;
  return new ApiError('WARREN_DATABASE', 'the control plane failed to handle the request; see its log', 500);
}
