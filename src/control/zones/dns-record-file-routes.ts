import type { DnsRecordRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { checkConflicts, validateRecord } from './dns-record-input.js';
import { formatZoneFile, parseZoneFile } from './zone-file.js';
import { zoneFor } from './zone-routes.js';

const EXPORT_PAGE = 5000;

/** The zone file from the request: a text/plain body, or the `file` field of a multipart form (Cloudflare's). */
function zoneText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && typeof (body as { file?: unknown }).file === 'string')
    return (body as { file: string }).file;
  throw ApiError.invalid(
    'send the BIND zone file as the body (Content-Type: text/plain) or as the "file" field of multipart/form-data',
  );
}

/** `/zones/{zone_id}/dns_records/export` and `/import`: BIND zone files, as Cloudflare offers them. */
export function dnsRecordFileRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  return [
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/dns_records/export',
      summary: "The zone's DNS records as a BIND zone file (text/plain; proxied records tagged cf-proxied:true)",
      tag: 'DNS records',
      params: { zone_id: ID_PARAM },
      handler: async ({ principal: p, params, reply }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'dns:read');
        const rows: DnsRecordRow[] = [];
        for (let page = 1; ; page++) {
          const r = await store.zones.records(zone.id, {}, { page, perPage: EXPORT_PAGE });
          rows.push(...r.rows);
          if (r.rows.length < EXPORT_PAGE) break;
        }
        return reply.type('text/plain; charset=utf-8').send(formatZoneFile(zone.name, rows, store.clock.now()));
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/zones/:zone_id/dns_records/import',
      summary: 'Adds the records of a BIND zone file (all or none; SOA and NS are skipped)',
      tag: 'DNS records',
      params: { zone_id: ID_PARAM },
      // No body schema: the zone file comes as text/plain or a multipart field, read from the request.
      handler: async ({ principal: p, params, req }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'dns:write');
        const { records, parsed } = parseZoneFile(zoneText(req.body), zone.name);
        await store.transaction(async (tx) => {
          for (const input of records) {
            let valid: ReturnType<typeof validateRecord>;
            try {
              valid = validateRecord(input, zone.name);
            } catch (err) {
              if (err instanceof ApiError)
                throw new ApiError(err.code, `${input.type} ${input.name}: ${err.message}; nothing was imported`);
              throw err;
            }
            checkConflicts(valid, await tx.zones.recordsNamed(zone.id, valid.name));
            const row = await tx.zones.createRecord({ ...valid, zone_id: zone.id, account_id: zone.account_id });
            const v = { name: row.name, type: row.type, content: row.content, proxied: row.proxied === 1 };
            await audit(tx, byApi(p), {
              accountId: zone.account_id,
              action: 'rec_add',
              resource: { id: row.id, type: 'DNS_record' },
              metadata: { zone_id: zone.id, zone_name: zone.name, ...v, import: true },
              newValue: v,
            });
          }
        });
        await store.feed.publish('dns');
        return ok({ recs_added: records.length, total_records_parsed: parsed });
      },
    }),
  ];
}
