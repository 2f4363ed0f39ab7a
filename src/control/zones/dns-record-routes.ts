import { Type } from '@sinclair/typebox';
import { tunnelIdOfTarget } from '../../protocol/index.js';
import { type DnsRecordRow, RECORD_ORDERS, type ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pagingQuery } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { byApi } from '../audit/audit-trail.js';
import { isProxiable, RECORD_TYPES, type RecordInput } from './dns-record-input.js';
import { deleteRecord, mergePatch, RECORD_FIELDS, RECORD_PATCH_FIELDS, writeRecord } from './dns-record-writes.js';
import { zoneFor } from './zone-routes.js';

export function recordView(r: DnsRecordRow, zone: ZoneRow, domain: string): Record<string, unknown> {
  return {
    id: r.id,
    zone_id: r.zone_id,
    zone_name: zone.name,
    name: r.name,
    type: r.type,
    content: r.content,
    proxiable: isProxiable(r.type),
    proxied: r.proxied === 1,
    ttl: r.ttl,
    locked: false,
    settings: {},
    meta: {
      auto_added: false,
      managed_by_apps: false,
      managed_by_argo_tunnel: r.type === 'CNAME' && tunnelIdOfTarget(r.content, domain) !== undefined,
      source: 'primary',
    },
    comment: r.comment,
    tags: JSON.parse(r.tags) as string[],
    created_on: r.created_on,
    modified_on: r.modified_on,
    ...(r.priority === null ? {} : { priority: r.priority }),
    ...(r.data === null ? {} : { data: JSON.parse(r.data) as unknown }),
  };
}

/** `/zones/{zone_id}/dns_records`. */
export function dnsRecordRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  /** The record of the URL and its zone, which the caller may act on with `scope`; else 404. */
  const recordOf = async (
    p: Principal,
    params: { zone_id: string; record_id: string },
    scope: 'dns:read' | 'dns:write',
  ): Promise<{ zone: ZoneRow; record: DnsRecordRow }> => {
    const zone = await zoneFor(ctx, p, params.zone_id, scope);
    const record = await store.zones.record(zone.id, params.record_id);
    if (record === undefined) throw ApiError.notFound(`DNS record ${params.record_id}`);
    return { zone, record };
  };
  const save = async (
    p: Principal,
    zone: ZoneRow,
    input: RecordInput,
    existing?: DnsRecordRow,
  ): Promise<DnsRecordRow> => {
    const row = await store.transaction((tx) => writeRecord(tx, byApi(p), zone, domain, input, existing));
    await store.feed.publish('dns');
    return row;
  };

  return [
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/dns_records',
      summary:
        "The zone's DNS records (filters: name, type, content, proxied, comment, joined by match; search in name, content and comment; order, direction)",
      tag: 'DNS records',
      params: { zone_id: ID_PARAM },
      query: {
        ...pagingQuery(5000),
        name: Type.String(),
        type: Enum(RECORD_TYPES),
        content: Type.String(),
        proxied: Type.Boolean(),
        comment: Type.String(),
        search: Type.String({ maxLength: 255, description: 'Case-insensitive text in the name, content or comment' }),
        match: Enum(['all', 'any'], { description: 'all (default): every filter must match; any: at least one' }),
        order: Enum(RECORD_ORDERS),
        direction: Enum(['asc', 'desc']),
      },
      handler: async ({ principal: p, params, query }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'dns:read');
        const page = pageOf(query, 100);
        const name = query.name?.toLowerCase();
        const paged = await store.zones.records(
          zone.id,
          {
            name,
            type: query.type,
            content: query.content,
            proxied: query.proxied,
            comment: query.comment,
            search: query.search,
            match: query.match,
            order: query.order,
            direction: query.direction,
          },
          page,
        );
        return okPage(paged, page, (r) => recordView(r, zone, domain));
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/zones/:zone_id/dns_records',
      summary: 'Creates a DNS record (A, AAAA, CNAME, TXT, MX, SRV, CAA)',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM },
      body: Type.Object(RECORD_FIELDS),
      handler: async ({ principal: p, params, body }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'dns:write');
        return ok(recordView(await save(p, zone, body), zone, domain));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/dns_records/:record_id',
      summary: 'One DNS record',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM, record_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { zone, record } = await recordOf(p, params, 'dns:read');
        return ok(recordView(record, zone, domain));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: '/zones/:zone_id/dns_records/:record_id',
      summary: 'Replaces a DNS record',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM, record_id: ID_PARAM },
      body: Type.Object(RECORD_FIELDS),
      handler: async ({ principal: p, params, body }) => {
        const { zone, record } = await recordOf(p, params, 'dns:write');
        return ok(recordView(await save(p, zone, body, record), zone, domain));
      },
    }),
    typedRoute({
      method: 'PATCH',
      url: '/zones/:zone_id/dns_records/:record_id',
      summary: 'Changes some fields of a DNS record',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM, record_id: ID_PARAM },
      body: Type.Object(RECORD_PATCH_FIELDS),
      handler: async ({ principal: p, params, body }) => {
        const { zone, record } = await recordOf(p, params, 'dns:write');
        return ok(recordView(await save(p, zone, mergePatch(record, body), record), zone, domain));
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/zones/:zone_id/dns_records/:record_id',
      summary: 'Deletes a DNS record',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM, record_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { zone, record } = await recordOf(p, params, 'dns:write');
        await store.transaction((tx) => deleteRecord(tx, byApi(p), zone, record));
        await store.feed.publish('dns');
        return ok({ id: record.id });
      },
    }),
  ];
}
