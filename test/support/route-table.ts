import type { ControlHarness } from './control-harness.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minimum?: number;
  minLength?: number;
  format?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
};

interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
}

export interface ScopedCall {
  method: string;
  url: string;
  body: unknown;
}

/** A smallest instance of `s` that passes validation, so a request reaches the route's authorization. */
export function sampleOf(s: Schema): unknown {
  if (s.enum !== undefined) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const alt = s.oneOf?.[0] ?? s.anyOf?.[0];
  if (alt !== undefined) return sampleOf(alt);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const k of s.required ?? []) o[k] = sampleOf(s.properties?.[k] ?? {});
      return o;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sampleOf(s.items ?? {}));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (s.format === 'email') return 'b@tenant-b.test';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
  }
}

/**
 * Every authenticated API route that acts on one account, zone or certificate, from the served
 * OpenAPI document (so a new route is covered without editing the test), with its path
 * parameters filled from `ids` (a parameter without an id gets a well-formed unknown one) and a
 * schema-valid body. Plus the routes that name the account in their body or query.
 */
export async function routeTable(h: ControlHarness, ids: Record<string, string>): Promise<ScopedCall[]> {
  const doc = (await h.app.inject({ method: 'GET', url: '/client/v4/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  const out: ScopedCall[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const params = [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1] as string);
    const scoped = params.some((p) => p === 'account_id' || p === 'zone_id' || p === 'certificate_id');
    if (!scoped) continue;
    for (const [method, op] of Object.entries(ops)) {
      if (Array.isArray(op.security) && op.security.length === 0) continue; // public (PEM downloads)
      const base = path.replace(/\{([a-z_]+)\}/g, (_m, p: string) => ids[p] ?? '0123456789abcdef0123456789abcdef');
      // Every query parameter too: a route that checks its query before authorization still gets to it.
      const query = new URLSearchParams();
      for (const q of op.parameters ?? []) if (q.in === 'query') query.set(q.name, String(sampleOf(q.schema)));
      const url = query.size === 0 ? base : `${base}?${query}`;
      const schema = op.requestBody?.content['application/json'].schema;
      out.push({ method: method.toUpperCase(), url, body: schema === undefined ? undefined : sampleOf(schema) });
    }
  }
  out.push({ method: 'POST', url: '/zones', body: { account: { id: ids.account_id }, name: 'taken-by-b.test' } });
  out.push({ method: 'GET', url: `/certificates?zone_id=${ids.zone_id}`, body: undefined });
  out.push({ method: 'GET', url: `/zones/${ids.zone_id}/dns_records?name=app.alice.test`, body: undefined });
  return out;
}
