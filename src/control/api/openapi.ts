import type { ApiRoute, JsonSchema } from './api-route.js';

const ENVELOPE: JsonSchema = {
  type: 'object',
  required: ['success', 'errors', 'messages', 'result'],
  properties: {
    success: { type: 'boolean' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'integer', description: "Cloudflare's numeric error code" },
          message: { type: 'string' },
          warren_code: { type: 'string', description: "warren's stable error code (docs/errors.md)" },
        },
      },
    },
    messages: { type: 'array', items: {} },
    result: {},
    result_info: {
      type: 'object',
      properties: {
        page: { type: 'integer' },
        per_page: { type: 'integer' },
        count: { type: 'integer' },
        total_count: { type: 'integer' },
        total_pages: { type: 'integer' },
      },
    },
  },
};

/** OpenAPI 3.1 document built from the same route list that fastify serves. */
export function openApiDocument(routes: readonly ApiRoute[], prefix: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([a-z_]+)/g, '{$1}');
    const parameters: JsonSchema[] = [];
    for (const [name, schema] of Object.entries(r.params ?? {}))
      parameters.push({ name, in: 'path', required: true, schema });
    for (const [name, schema] of Object.entries(r.query ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: false,
        schema: rest,
        ...(description === undefined ? {} : { description }),
      });
    }
    const op: JsonSchema = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[/_-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters,
      responses: {
        '200': {
          description: 'Success',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } },
        },
        '4XX': {
          description: 'Failure',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } },
        },
      },
    };
    if (r.auth === false) op.security = [];
    if (r.body !== undefined) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: { additionalProperties: false, ...r.body } } },
      };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, JsonSchema>)[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'warren control API',
      version: '4',
      description: "Cloudflare API v4 shapes: Cloudflare's clients work with only the base URL changed.",
    },
    servers: [{ url: prefix }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token' } },
      schemas: { Envelope: ENVELOPE },
    },
    paths,
  };
}
