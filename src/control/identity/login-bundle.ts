import { DEFAULT_ORIGIN_CERT_VALIDITY, formatOriginCertBundle } from '../../pki/index.js';
import type { UserRow, ZoneRow } from '../../store/index.js';
import { newId } from '../../store/index.js';
import type { ControlContext } from '../api/control-context.js';
import { type Principal, parentTokenOf } from '../api/principal.js';
import { type AuditBy, audit } from '../audit/audit-trail.js';
import { type Scope, scopesOfRoles } from './roles.js';
import { assertWithinRights } from './token-bounds.js';
import { certPemPolicies } from './token-policy.js';

/** What a user needs in a zone's account to get a cert.pem for it: run tunnels and route them. */
const LOGIN_SCOPES: readonly Scope[] = ['tunnel:write', 'dns:write'];

/** Zones the user may log in to (`warren login` offers these). */
export async function loginZones(ctx: ControlContext, userId: string): Promise<ZoneRow[]> {
  const out: ZoneRow[] = [];
  for (const { account, membership } of await ctx.store.identity.accountsOf(userId)) {
    if (membership.status !== 'accepted') continue;
    const scopes = scopesOfRoles(membership.roles);
    if (!LOGIN_SCOPES.every((s) => scopes.has(s))) continue;
    out.push(...(await ctx.store.zones.zonesOfAccount(account.id)));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Makes cert.pem for `user` and `zone`: a fresh key and an origin certificate for the zone and
 * `*.zone`, and an API token bound to the user's API key (it dies when the key is rolled, and
 * when the certificate is revoked). Audited as certificate issue and token create.
 */
export async function makeLoginBundle(
  ctx: ControlContext,
  input: {
    user: UserRow;
    zone: ZoneRow;
    apiURL: string;
    /** Who asks, for the audit entries. */
    by: AuditBy;
    /** The API token of a headless login: the new token gets no more than it has, and dies with it. */
    issuer?: Principal;
  },
): Promise<string> {
  const { user, zone, issuer } = input;
  const policies = certPemPolicies(zone, newId);
  if (issuer !== undefined) await assertWithinRights(ctx.store, issuer, policies);
  const hostnames = [zone.name, `*.${zone.name}`];
  const issued = await ctx.originCa.issueWithNewKey(hostnames, DEFAULT_ORIGIN_CERT_VALIDITY);
  const tokenValue = await ctx.store.transaction(async (tx) => {
    const t = await tx.identity.createToken({
      userId: user.id,
      name: `warren login: ${zone.name}`,
      policies,
      boundToKey: true,
      parentTokenId: issuer === undefined ? null : (parentTokenOf(issuer)?.id ?? null),
    });
    await tx.certificates.create({
      id: issued.serial,
      account_id: zone.account_id,
      zone_id: zone.id,
      hostnames: JSON.stringify(hostnames),
      request_type: 'origin-ecc',
      requested_validity: DEFAULT_ORIGIN_CERT_VALIDITY,
      serial: issued.serial,
      certificate: issued.certificate,
      csr: issued.csr,
      expires_on: issued.expiresOn.toISOString(),
      login_token_id: t.row.id,
    });
    await audit(tx, input.by, {
      accountId: zone.account_id,
      action: 'certificate_issue',
      resource: { id: issued.serial, type: 'origin_certificate' },
      metadata: { zone_id: zone.id, hostnames, request_type: 'origin-ecc', login: true },
    });
    await audit(tx, input.by, {
      accountId: zone.account_id,
      action: 'token_create',
      resource: { id: t.row.id, type: 'api_token' },
      metadata: { name: t.row.name, bound_to_api_key: true },
    });
    return t.value;
  });
  return formatOriginCertBundle({
    certificate: issued.certificate,
    privateKey: issued.key,
    token: {
      zoneID: zone.id,
      accountID: zone.account_id,
      apiToken: tokenValue,
      apiURL: input.apiURL,
      edge: ctx.edgeAddress,
    },
  });
}
