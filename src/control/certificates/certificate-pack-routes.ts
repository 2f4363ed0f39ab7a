import type { AcmeNameRow, EdgeCertificateRow } from '../../store/index.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { zoneFor } from '../zones/zone-routes.js';

/** Cloudflare's certificate pack statuses for warren's ACME states. */
const STATUS: Record<AcmeNameRow['state'], string> = {
  issued: 'active',
  pending: 'pending_validation',
  failed: 'validation_timed_out',
};

/** The ACME certificate currently held for `name`: the one covering it that expires last. */
function heldFor(name: string, certs: readonly EdgeCertificateRow[]): EdgeCertificateRow | undefined {
  return certs
    .filter((c) => (JSON.parse(c.hosts) as string[]).includes(name))
    .sort((a, b) => b.expires_on.localeCompare(a.expires_on))[0];
}

/**
 * A name's ACME certificate as a Cloudflare-like certificate pack, with warren's fields for
 * failures: `acme_state`, `failures`, `next_attempt_at` (the next retry) and `validation_errors`.
 */
export function certificatePackView(n: AcmeNameRow, held: EdgeCertificateRow | undefined): Record<string, unknown> {
  return {
    id: n.name,
    type: 'acme',
    hosts: [n.name],
    status: STATUS[n.state],
    acme_state: n.state,
    failures: n.failures,
    next_attempt_at: n.state === 'issued' ? null : n.next_attempt_at,
    validation_errors: n.last_error === null ? [] : [{ message: n.last_error }],
    issuer: held?.issuer ?? null,
    expires_on: held?.expires_on ?? null,
    modified_on: n.updated_at,
  };
}

/** `GET /zones/{z}/ssl/certificate_packs`: the zone's ACME names, issued, pending or failing (read-only). */
export function certificatePackRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  return [
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/ssl/certificate_packs',
      summary: "The zone's ACME certificates per name: issued, pending, or failing with the reason and next retry",
      tag: 'SSL',
      params: { zone_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:read');
        const names = (await store.acme.names()).filter((n) => n.zone_id === zone.id);
        const certs = await store.edgeCertificates.byZone(zone.id, 'acme');
        return ok(names.map((n) => certificatePackView(n, heldFor(n.name, certs))));
      },
    }),
  ];
}
