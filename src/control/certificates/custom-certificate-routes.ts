import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { leafFacts } from '../../pki/index.js';
import type { EdgeCertificateRow, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { zoneFor } from '../zones/zone-routes.js';

const MAX_PEM = 65_536; // 64 KiB: a chain of a few certificates, or one key

/** Cloudflare's custom certificate object. */
export function customCertificateView(c: EdgeCertificateRow): Record<string, unknown> {
  return {
    id: c.id,
    zone_id: c.zone_id,
    hosts: JSON.parse(c.hosts) as string[],
    issuer: c.issuer,
    signature: c.signature,
    status: 'active',
    bundle_method: 'force',
    type: 'legacy_custom',
    priority: c.priority,
    uploaded_on: c.uploaded_on,
    modified_on: c.uploaded_on,
    expires_on: c.expires_on,
  };
}

function invalid(message: string, field: string): ApiError {
  return new ApiError('WARREN_CUSTOM_CERT_INVALID', message).at(field);
}

/** A name is served for `zone` when it is the apex or below it (one `*.` label allowed). */
function inZone(host: string, zone: ZoneRow): boolean {
  const base = host.startsWith('*.') ? host.slice(2) : host;
  return !base.includes('*') && (base === zone.name || base.endsWith(`.${zone.name}`));
}

/** Checks an upload: the chain parses, is current, matches its key, and covers names of the zone only. */
function checkUpload(zone: ZoneRow, certificate: string, privateKey: string, now: Date) {
  let facts: ReturnType<typeof leafFacts>;
  try {
    facts = leafFacts(certificate);
  } catch {
    throw invalid('certificate is not a PEM certificate chain (leaf first)', '/certificate');
  }
  if (facts.notAfter.getTime() <= now.getTime()) {
    throw invalid(`certificate expired on ${facts.notAfter.toISOString()}; upload a current one`, '/certificate');
  }
  let matches = false;
  try {
    const pub = createPublicKey(createPrivateKey(privateKey)).export({ type: 'spki', format: 'der' });
    matches = createPublicKey(certificate).export({ type: 'spki', format: 'der' }).equals(pub);
  } catch {
    throw invalid('private_key is not an unencrypted PEM private key', '/private_key');
  }
  if (!matches) throw invalid('private_key is not the key of this certificate', '/private_key');
  if (facts.names.length === 0) throw invalid('certificate names no DNS subject alternative name', '/certificate');
  const outside = facts.names.filter((h) => !inZone(h, zone));
  if (outside.length > 0) {
    throw invalid(`certificate names ${outside.join(', ')}, outside zone ${zone.name}`, '/certificate');
  }
  return facts;
}

const UPLOAD_BODY = Type.Object({
  certificate: Type.String({ minLength: 1, maxLength: MAX_PEM }),
  private_key: Type.String({ minLength: 1, maxLength: MAX_PEM }),
  bundle_method: Type.Optional(Enum(['ubiquitous', 'optimal', 'force'])),
  type: Type.Optional(Enum(['legacy_custom', 'sni_custom'])),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

/**
 * `/zones/{z}/custom_certificates` (Cloudflare's shape): certificates the operator uploads for
 * names of a zone. The visitor HTTPS listener serves them by SNI in preference to ACME ones.
 */
export function customCertificateRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const zoneParams = { zone_id: ID_PARAM };
  return [
    typedRoute({
      method: 'POST',
      url: '/zones/:zone_id/custom_certificates',
      summary: "Uploads a certificate and its key for the zone's names; served by SNI before ACME ones",
      tag: 'SSL',
      params: zoneParams,
      body: UPLOAD_BODY,
      handler: async ({ principal: p, params, body }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        const now = store.clock.now();
        const facts = checkUpload(zone, body.certificate, body.private_key, now);
        const row: EdgeCertificateRow = {
          id: randomUUID(),
          zone_id: zone.id,
          account_id: zone.account_id,
          source: 'custom',
          hosts: JSON.stringify(facts.names),
          certificate: body.certificate.trim(),
          key_sealed: store.secrets.seal(Buffer.from(body.private_key, 'utf8')),
          issuer: facts.issuer,
          signature: facts.signature,
          uploaded_on: now.toISOString(),
          expires_on: facts.notAfter.toISOString(),
          priority: body.priority ?? 0,
        };
        await store.transaction(async (tx) => {
          await tx.edgeCertificates.insert(row);
          await audit(tx, byApi(p), {
            accountId: zone.account_id,
            action: 'custom_certificate_upload',
            resource: { id: row.id, type: 'custom_certificate' },
            metadata: { zone_id: zone.id, hosts: facts.names, expires_on: row.expires_on },
          });
        });
        await store.feed.publish('certificates');
        return ok(customCertificateView(row));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/custom_certificates',
      summary: "The zone's uploaded certificates (never their keys)",
      tag: 'SSL',
      params: zoneParams,
      handler: async ({ principal: p, params }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:read');
        return ok((await store.edgeCertificates.byZone(zone.id, 'custom')).map(customCertificateView));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/custom_certificates/:certificate_id',
      summary: 'One uploaded certificate',
      tag: 'SSL',
      params: { ...zoneParams, certificate_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:read');
        const c = await store.edgeCertificates.get(params.certificate_id);
        if (c === undefined || c.zone_id !== zone.id || c.source !== 'custom') {
          throw ApiError.notFound(`custom certificate ${params.certificate_id}`);
        }
        return ok(customCertificateView(c));
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/zones/:zone_id/custom_certificates/:certificate_id',
      summary: 'Removes an uploaded certificate; its names fall back to ACME or --https-cert',
      tag: 'SSL',
      params: { ...zoneParams, certificate_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        const c = await store.edgeCertificates.get(params.certificate_id);
        if (c === undefined || c.zone_id !== zone.id || c.source !== 'custom') {
          throw ApiError.notFound(`custom certificate ${params.certificate_id}`);
        }
        await store.transaction(async (tx) => {
          await tx.edgeCertificates.delete(c.id);
          await audit(tx, byApi(p), {
            accountId: zone.account_id,
            action: 'custom_certificate_delete',
            resource: { id: c.id, type: 'custom_certificate' },
            metadata: { zone_id: zone.id, hosts: JSON.parse(c.hosts) as string[] },
          });
        });
        await store.feed.publish('certificates');
        return ok({ id: c.id });
      },
    }),
  ];
}
