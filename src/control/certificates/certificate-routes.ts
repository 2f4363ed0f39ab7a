import { Type } from '@sinclair/typebox';
import { DEFAULT_ORIGIN_CERT_VALIDITY, ORIGIN_CERT_VALIDITIES, type OriginKeyType } from '../../pki/index.js';
import type { OriginCertificateRow, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { parseHostname } from '../zones/hostname.js';
import { owningZone } from '../zones/zone-ownership.js';
import { zoneFor } from '../zones/zone-routes.js';

const PEM_TYPE = 'application/x-pem-file';

/** revoked, expired (at `now`), or active: what the dashboard's list shows. */
export function certificateStatus(c: OriginCertificateRow, now: Date): 'active' | 'revoked' | 'expired' {
  if (c.revoked_at !== null) return 'revoked';
  return new Date(c.expires_on).getTime() <= now.getTime() ? 'expired' : 'active';
}

export function certificateView(c: OriginCertificateRow, now: Date): Record<string, unknown> {
  return {
    id: c.id,
    certificate: c.certificate,
    csr: c.csr,
    hostnames: JSON.parse(c.hostnames) as string[],
    expires_on: c.expires_on,
    request_type: c.request_type,
    requested_validity: c.requested_validity,
    revoked_at: c.revoked_at,
    zone_id: c.zone_id,
    created_on: c.created_on,
    status: certificateStatus(c, now),
  };
}

/**
 * Checks origin certificate hostnames: each must belong, by the longest-active-zone rule, to a
 * zone of one account the caller may write DNS in; a wildcard only as one whole leading label
 * (`*.example.com` covers one level, never `*.*.example.com` or `a*.example.com`), and never over
 * a zone of another account. Returns the zone of the first name.
 */
export async function certificateZone(
  ctx: ControlContext,
  p: Principal,
  hostnames: readonly string[],
): Promise<{ zone: ZoneRow; hostnames: string[] }> {
  const mine = new Set((await ctx.store.identity.accountsOf(p.user.id)).map((m) => m.account.id));
  const zones = await ctx.store.zones.allZones();
  const out: string[] = [];
  let first: ZoneRow | undefined;
  for (const raw of hostnames) {
    const star = raw.indexOf('*');
    if (star >= 0 && (star !== 0 || !raw.startsWith('*.') || raw.indexOf('*', 1) >= 0)) {
      throw new ApiError(
        'WARREN_CERT_HOSTNAME',
        `"${raw}": a wildcard is one leading "*." label and covers one level only; write e.g. *.example.com, and list deeper names one by one`,
      );
    }
    const host = parseHostname(raw, 'hostnames[]', { wildcard: true });
    const base = host.startsWith('*.') ? host.slice(2) : host;
    const zone = owningZone(base, zones);
    // A wildcard covers the apexes of zones one level below `base`: none may be another account's.
    const foreignBelow =
      host.startsWith('*.') &&
      zone !== undefined &&
      zones.some((z) => z.account_id !== zone.account_id && z.name.endsWith(`.${base}`));
    if (zone === undefined || !mine.has(zone.account_id) || foreignBelow) {
      throw new ApiError(
        'WARREN_CERT_HOSTNAME',
        `"${host}" is not in an active zone of your accounts; origin certificates cover names in your own active zones only`,
      );
    }
    if (first !== undefined && zone.account_id !== first.account_id) {
      throw new ApiError(
        'WARREN_CERT_HOSTNAME',
        `"${host}" is in another account than "${out[0]}"; request one certificate per account`,
      );
    }
    await authorize(ctx.store, p, {
      accountId: zone.account_id,
      zoneId: zone.id,
      scope: 'dns:write',
      what: `zone ${zone.name}`,
    });
    first ??= zone;
    if (!out.includes(host)) out.push(host);
  }
  if (first === undefined) throw ApiError.invalid('hostnames must list at least one name');
  return { zone: first, hostnames: out };
}

const CREATE_BODY = Type.Object({
  csr: Type.String({ minLength: 1, maxLength: 16_384 }),
  hostnames: Type.Array(Type.String({ maxLength: 253 }), { minItems: 1, maxItems: 100 }),
  request_type: Enum(['origin-rsa', 'origin-ecc'] satisfies OriginKeyType[]),
  requested_validity: Type.Optional(Enum(ORIGIN_CERT_VALIDITIES)),
});

/** `/certificates` (origin CA), its root, and the edge CA connectors pin. */
export function certificateRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const mine = async (p: Principal, id: string): Promise<OriginCertificateRow> => {
    const c = await store.certificates.get(id);
    if (c === undefined) throw ApiError.notFound(`certificate ${id}`);
    await zoneFor(ctx, p, c.zone_id, 'dns:read');
    return c;
  };
  return [
    typedRoute({
      method: 'GET',
      url: '/certificates/origin_ca_root.pem',
      summary: "The origin CA's root certificate (PEM), for origin web servers and clients to trust",
      tag: 'Origin CA',
      auth: false,
      handler: async ({ reply }) => reply.type(PEM_TYPE).send(ctx.originCa.rootPem),
    }),
    typedRoute({
      method: 'GET',
      url: '/edge_ca.pem',
      summary: 'The CA of the tunnel listener (PEM): what connectors pin (~/.warren/edge-ca.pem)',
      tag: 'Origin CA',
      auth: false,
      handler: async ({ reply }) => {
        if (ctx.edgeCaPem === undefined) {
          throw ApiError.notFound('the edge CA (this control plane runs without an edge)');
        }
        return reply.type(PEM_TYPE).send(ctx.edgeCaPem);
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/certificates',
      summary: 'Issues an origin certificate from a CSR (RSA: origin-rsa, ECDSA: origin-ecc)',
      tag: 'Origin CA',
      body: CREATE_BODY,
      handler: async ({ principal: p, body }) => {
        const { zone, hostnames } = await certificateZone(ctx, p, body.hostnames).catch((err: unknown) => {
          // A refused name is the hostnames field's fault (the dashboard shows it there).
          if (err instanceof ApiError && ['WARREN_CERT_HOSTNAME', 'WARREN_API_INVALID'].includes(err.code)) {
            err.at('/hostnames');
          }
          throw err;
        });
        const days = body.requested_validity ?? DEFAULT_ORIGIN_CERT_VALIDITY;
        const issued = await ctx.originCa.issueFromCsr(body.csr, hostnames, days, body.request_type);
        const row = await store.transaction(async (tx) => {
          const row = await tx.certificates.create({
            id: issued.serial,
            account_id: zone.account_id,
            zone_id: zone.id,
            hostnames: JSON.stringify(hostnames),
            request_type: body.request_type,
            requested_validity: days,
            serial: issued.serial,
            certificate: issued.certificate,
            csr: body.csr.trim(),
            expires_on: issued.expiresOn.toISOString(),
            login_token_id: null,
          });
          await audit(tx, byApi(p), {
            accountId: zone.account_id,
            action: 'certificate_issue',
            resource: { id: row.id, type: 'origin_certificate' },
            metadata: { zone_id: zone.id, hostnames, request_type: body.request_type, requested_validity: days },
          });
          return row;
        });
        return ok(certificateView(row, store.clock.now()));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/certificates',
      summary: 'Origin certificates (revoked ones too, with revoked_at), optionally of one zone',
      tag: 'Origin CA',
      query: { ...pagingQuery(100), zone_id: Type.String({ maxLength: 64 }) },
      handler: async ({ principal: p, query }) => {
        const page = pageOf(query, 20);
        if (query.zone_id !== undefined) {
          const z = await zoneFor(ctx, p, query.zone_id, 'dns:read');
          return okPage(await store.certificates.list({ accountIds: [z.account_id], zoneId: z.id }, page), page, (c) =>
            certificateView(c, store.clock.now()),
          );
        }
        const accountIds = (await store.identity.accountsOf(p.user.id)).map((a) => a.account.id);
        return okPage(await store.certificates.list({ accountIds }, page), page, (c) =>
          certificateView(c, store.clock.now()),
        );
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/certificates/:certificate_id',
      summary: 'One origin certificate',
      tag: 'Origin CA',
      params: { certificate_id: ID_PARAM },
      handler: async ({ principal: p, params }) =>
        ok(certificateView(await mine(p, params.certificate_id), store.clock.now())),
    }),
    typedRoute({
      method: 'DELETE',
      url: '/certificates/:certificate_id',
      summary: 'Revokes an origin certificate (it stays listed with revoked_at; a cert.pem holding it stops working)',
      tag: 'Origin CA',
      params: { certificate_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const c = await mine(p, params.certificate_id);
        await zoneFor(ctx, p, c.zone_id, 'dns:write');
        if (c.revoked_at !== null) return ok({ id: c.id, revoked_at: c.revoked_at });
        const revokedAt = await store.transaction(async (tx) => {
          const at = await tx.certificates.revoke(c.id);
          // The API token bundled with it in a cert.pem dies with it.
          if (c.login_token_id !== null) await tx.identity.updateToken(c.login_token_id, { status: 'disabled' });
          await audit(tx, byApi(p), {
            accountId: c.account_id,
            action: 'certificate_revoke',
            resource: { id: c.id, type: 'origin_certificate' },
            metadata: { zone_id: c.zone_id, hostnames: JSON.parse(c.hostnames) as string[] },
          });
          return at;
        });
        return ok({ id: c.id, revoked_at: revokedAt });
      },
    }),
  ];
}
