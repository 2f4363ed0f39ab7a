import type { AccessOrganizationRow, Repositories } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { Principal } from '../api/principal.js';
import { auditAccess } from './access-audit.js';

const TEAM_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `auth_domain` as the API takes it: the full `<team>.access.<domain>`, or the team name alone
 * (as cloudflared's `teamName` is written), which is completed. Anything else is refused.
 */
export function checkAuthDomain(value: string, domain: string): string {
  const suffix = `.access.${domain}`;
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  const team = v.endsWith(suffix) ? v.slice(0, -suffix.length) : v;
  if (!TEAM_LABEL.test(team)) {
    throw ApiError.invalid(
      `auth_domain "${value}" must be a team name of letters, digits and dashes (e.g. "myteam"), or <team>${suffix}`,
    ).at('/auth_domain');
  }
  return `${team}${suffix}`;
}

/** The organization's answer: Cloudflare's fields, the team domain from its column. */
export function organizationView(r: AccessOrganizationRow): Record<string, unknown> {
  return {
    session_duration: '24h',
    ...(JSON.parse(r.data) as Record<string, unknown>),
    auth_domain: r.auth_domain,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/**
 * Writes the account's organization with its audit entry (`old`: the one it replaces), in the
 * caller's transaction: the one path of the API's PUT/POST and of the first app's default.
 */
export async function writeOrganization(
  tx: Repositories,
  p: Principal,
  row: AccessOrganizationRow,
  about: { old?: AccessOrganizationRow | undefined; metadata?: Record<string, unknown> } = {},
): Promise<void> {
  await tx.access.putOrganization(row);
  await auditAccess(
    tx,
    p,
    row.account_id,
    'access_organization_update',
    { id: row.account_id, type: 'access_organization' },
    {
      ...(about.old === undefined ? {} : { oldValue: organizationView(about.old) }),
      newValue: organizationView(row),
      ...(about.metadata === undefined ? {} : { metadata: about.metadata }),
    },
  );
}

/** A team name from the account's name: "Acme Corp" → "acme-corp"; "" when nothing usable is left. */
function teamNameOf(accountName: string): string {
  return accountName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * Gives an account with no Access organization one, so its first application can be logged in
 * to: the team domain is the account's name (or `team`), made unique with the account id's first
 * characters when taken. Returns the created organization, or undefined when it had one already.
 * Runs in the caller's transaction, with an audit entry.
 */
export async function ensureTeamDomain(
  tx: Repositories,
  p: Principal,
  accountId: string,
  domain: string,
  now: string,
): Promise<AccessOrganizationRow | undefined> {
  if ((await tx.access.organization(accountId)) !== undefined) return undefined;
  const accountName = (await tx.identity.getAccount(accountId))?.name ?? '';
  const base = teamNameOf(accountName) || 'team';
  const tag = accountId
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toLowerCase();
  let authDomain = `${base}.access.${domain}`;
  if ((await tx.access.organizationByAuthDomain(authDomain)) !== undefined)
    authDomain = `${base}-${tag}.access.${domain}`;
  const row: AccessOrganizationRow = {
    account_id: accountId,
    auth_domain: authDomain,
    data: JSON.stringify({ name: accountName || 'Team', auth_domain: authDomain, session_duration: '24h' }),
    created_at: now,
    updated_at: now,
  };
  await writeOrganization(tx, p, row, { metadata: { reason: 'default team domain for the first application' } });
  return row;
}
