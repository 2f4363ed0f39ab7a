import { Type } from '@sinclair/typebox';
import { isHostname, parseCertificate } from '../../access/index.js';
import type { AccessCertificateRow, Repositories } from '../../store/index.js';
import { isUniqueViolation, newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { ApiRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { isWithin } from '../zones/hostname.js';
import { accessCrud } from './access-crud-routes.js';

const MAX_PEM_CHARS = 16 * 1024; // one CA certificate; a bundle is refused with a message
const MAX_CAS_PER_ACCOUNT = 50; // Cloudflare's limit of mTLS certificates per account
const HOSTNAMES = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 50 });

function view(row: AccessCertificateRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    fingerprint: row.fingerprint,
    associated_hostnames: JSON.parse(row.associated_hostnames) as string[],
    expires_on: row.expires_on,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The CA's PEM checked: one certificate, a CA (basicConstraints CA:TRUE), not expired. */
function parseCa(pem: string, now: Date): { fingerprint: string; expiresOn: string } {
  const text = pem.trim();
  const count = text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  if (text.length > MAX_PEM_CHARS || count !== 1) {
    throw ApiError.invalid(
      'certificate must be one PEM certificate (-----BEGIN CERTIFICATE-----): the CA that signs your client certificates; upload each CA separately',
    ).at('/certificate');
  }
  const cert = parseCertificate(text);
  if (cert === undefined) {
    throw ApiError.invalid('certificate is not a readable PEM X.509 certificate; check that it was copied whole').at(
      '/certificate',
    );
  }
  if (!cert.ca) {
    throw ApiError.invalid(
      'certificate is not a certificate authority (basicConstraints CA:TRUE); upload the CA that signed your client certificates, not a client certificate',
    ).at('/certificate');
  }
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw ApiError.invalid(`certificate expired on ${new Date(cert.validTo).toISOString()}; upload a current CA`).at(
      '/certificate',
    );
  }
  return { fingerprint: `SHA256 Fingerprint=${cert.fingerprint256}`, expiresOn: new Date(cert.validTo).toISOString() };
}

/**
 * `/accounts/{a}/access/certificates`: the certificate authorities of Access mutual TLS, in
 * Cloudflare's shapes (`zeroTrust.access.certificates`). The edge asks for a client certificate
 * on `associated_hostnames` (and on hosts whose app has a `certificate` / `common_name` rule) and
 * verifies it against the app's own account's CAs only.
 */
export function accessCertificateRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  /** Host names, lower case, each in one of the account's zones: no account asks on another's names. */
  const hostnames = async (accountId: string, raw: readonly string[] | undefined): Promise<string[]> => {
    const names = [...new Set((raw ?? []).map((h) => h.trim().toLowerCase().replace(/\.$/, '')))];
    if (names.length === 0) return names;
    const zones = await store.zones.zonesOfAccount(accountId);
    names.forEach((h, i) => {
      if (!isHostname(h) || h.startsWith('*.')) {
        throw ApiError.invalid(`associated_hostnames[${i}] "${h}" is not a host name such as app.example.com`).at(
          `/associated_hostnames/${i}`,
        );
      }
      if (!zones.some((z) => isWithin(h, z.name))) {
        throw ApiError.invalid(
          `associated_hostnames[${i}] "${h}" is not in a zone of this account; add the zone first or name a host in one of: ${zones.map((z) => z.name).join(', ') || 'none yet'}`,
        ).at(`/associated_hostnames/${i}`);
      }
    });
    return names;
  };
  const crud = accessCrud(ctx, {
    collection: 'certificates',
    idParam: 'certificate_id',
    noun: 'mTLS certificate',
    audit: 'access_certificate',
    scopes: { read: 'access:read', write: 'access:write' },
    summaries: {
      create:
        'Uploads a certificate authority for Access mutual TLS (client certificates it signed pass certificate rules)',
      list: 'Lists the mTLS certificate authorities of the account',
      get: 'Reads an mTLS certificate authority',
      update: 'Renames an mTLS certificate authority or replaces its associated hostnames',
      delete: 'Deletes an mTLS certificate authority: client certificates it signed are refused at once',
    },
    schema: {
      create: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 350 }),
        certificate: Type.String({ minLength: 1, maxLength: MAX_PEM_CHARS * 2 }),
        associated_hostnames: Type.Optional(HOSTNAMES),
      }),
      update: Type.Object({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 350 })),
        associated_hostnames: HOSTNAMES,
      }),
    },
    find: (r: Repositories, accountId, id) => r.accessCertificates.get(accountId, id),
    list: (r: Repositories, accountId) => r.accessCertificates.list(accountId),
    view: (_r, row) => view(row),
    prepareCreate: async (accountId, body) => {
      const now = store.clock.now();
      const ca = parseCa(body.certificate, now);
      const row: AccessCertificateRow = {
        id: newUuid(),
        account_id: accountId,
        name: body.name,
        certificate: `${body.certificate.trim()}\n`,
        fingerprint: ca.fingerprint,
        associated_hostnames: JSON.stringify(await hostnames(accountId, body.associated_hostnames)),
        expires_on: ca.expiresOn,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      };
      return { row };
    },
    insert: async (tx, { row }) => {
      if ((await tx.accessCertificates.list(row.account_id)).length >= MAX_CAS_PER_ACCOUNT) {
        throw ApiError.invalid(`an account holds at most ${MAX_CAS_PER_ACCOUNT} mTLS certificates; delete one first`);
      }
      try {
        await tx.accessCertificates.insert(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw ApiError.invalid(
          `this CA (${row.fingerprint}) is already uploaded to this account; update that one's associated_hostnames instead`,
        ).at('/certificate');
      }
    },
    prepareUpdate: async (accountId, _old, body) => ({
      ...(body.name === undefined ? {} : { name: body.name }),
      associated_hostnames: JSON.stringify(await hostnames(accountId, body.associated_hostnames)),
      updated_at: store.clock.now().toISOString(),
    }),
    update: async (tx, accountId, old, set) => {
      await tx.accessCertificates.update(accountId, old.id, set);
      return (await tx.accessCertificates.get(accountId, old.id)) ?? old;
    },
    remove: (tx, accountId, row) => tx.accessCertificates.delete(accountId, row.id),
  });
  return crud.routes;
}
