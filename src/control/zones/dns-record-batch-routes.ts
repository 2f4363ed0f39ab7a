import { type TProperties, Type } from '@sinclair/typebox';
import type { DnsRecordRow, Repositories, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { byApi } from '../audit/audit-trail.js';
import { recordView } from './dns-record-routes.js';
import { deleteRecord, mergePatch, RECORD_FIELDS, RECORD_PATCH_FIELDS, writeRecord } from './dns-record-writes.js';
import { zoneFor } from './zone-routes.js';

/** Most changes one batch may carry, all four lists together (Cloudflare allows 200 to 3500 by plan). */
export const DNS_BATCH_LIMIT = 1000;

/** One list of the batch: at most {@link DNS_BATCH_LIMIT} changes of one shape, no unknown fields. */
function list<P extends TProperties>(fields: P) {
  return Type.Optional(Type.Array(Type.Object(fields, { additionalProperties: false }), { maxItems: DNS_BATCH_LIMIT }));
}

const BATCH_BODY = Type.Object({
  deletes: list({ id: ID_PARAM }),
  patches: list({ id: ID_PARAM, ...RECORD_PATCH_FIELDS }),
  puts: list({ id: ID_PARAM, ...RECORD_FIELDS }),
  posts: list(RECORD_FIELDS),
});

/**
 * Runs one change of the batch; an error it raises names the change (`posts[3]`), points at its
 * field (`/posts/3/content`) and says that the batch changed nothing (the transaction rolls back).
 */
async function step<T>(list: string, index: number, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const named = new ApiError(
      err.code,
      `${list}[${index}]: ${err.message}; nothing in the batch was changed`,
      err.status,
    ).at(`/${list}/${index}${err.pointer ?? ''}`);
    named.cause = err;
    throw named;
  }
}

/** `POST /zones/{zone_id}/dns_records/batch`: many record changes in one transaction, as Cloudflare's. */
export function dnsRecordBatchRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  const existing = async (tx: Repositories, zone: ZoneRow, id: string): Promise<DnsRecordRow> => {
    const r = await tx.zones.record(zone.id, id);
    if (r === undefined) throw ApiError.notFound(`DNS record ${id}`).at('/id');
    return r;
  };
  return [
    typedRoute({
      method: 'POST',
      url: '/zones/:zone_id/dns_records/batch',
      summary: `Many DNS record changes at once, in Cloudflare's order (deletes, patches, puts, posts), in one transaction: all of them or none (at most ${DNS_BATCH_LIMIT} changes)`,
      tag: 'DNS records',
      params: { zone_id: ID_PARAM },
      body: BATCH_BODY,
      handler: async ({ principal: p, params, body }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'dns:write');
        const deletes = body.deletes ?? [];
        const patches = body.patches ?? [];
        const puts = body.puts ?? [];
        const posts = body.posts ?? [];
        const total = deletes.length + patches.length + puts.length + posts.length;
        if (total > DNS_BATCH_LIMIT) {
          throw ApiError.invalid(
            `the batch holds ${total} changes; at most ${DNS_BATCH_LIMIT} are allowed: split it into several batches`,
          );
        }
        const by = byApi(p);
        const result = await store.transaction(async (tx) => {
          const out = {
            deletes: [] as DnsRecordRow[],
            patches: [] as DnsRecordRow[],
            puts: [] as DnsRecordRow[],
            posts: [] as DnsRecordRow[],
          };
          for (const [i, d] of deletes.entries()) {
            out.deletes.push(
              await step('deletes', i, async () => {
                const r = await existing(tx, zone, d.id);
                await deleteRecord(tx, by, zone, r);
                return r;
              }),
            );
          }
          for (const [i, { id, settings: _s, ...change }] of patches.entries()) {
            out.patches.push(
              await step('patches', i, async () => {
                const r = await existing(tx, zone, id);
                return writeRecord(tx, by, zone, domain, mergePatch(r, change), r);
              }),
            );
          }
          for (const [i, { id, settings: _s, ...input }] of puts.entries()) {
            out.puts.push(
              await step('puts', i, async () => writeRecord(tx, by, zone, domain, input, await existing(tx, zone, id))),
            );
          }
          for (const [i, { settings: _s, ...input }] of posts.entries()) {
            out.posts.push(await step('posts', i, async () => writeRecord(tx, by, zone, domain, input)));
          }
          return out;
        });
        if (total > 0) await store.feed.publish('dns');
        const view = (r: DnsRecordRow) => recordView(r, zone, domain);
        return ok({
          deletes: result.deletes.map(view),
          patches: result.patches.map(view),
          puts: result.puts.map(view),
          posts: result.posts.map(view),
        });
      },
    }),
  ];
}
