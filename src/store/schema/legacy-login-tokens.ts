import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * cert.pem tokens made before 0005 carry no policies (every right of their user). Give each the
 * scope `warren login` gives now: Cloudflare Tunnel Write on its account, DNS Write on its zone.
 * The ids and names are written out: a migration must not change when roles.ts does.
 */
export async function narrowLegacyLoginTokens(db: Kysely<Database>): Promise<number> {
  const certs = await db
    .selectFrom('origin_certificates')
    .select(['login_token_id', 'account_id', 'zone_id'])
    .where('login_token_id', 'is not', null)
    .execute();
  let narrowed = 0;
  for (const c of certs) {
    if (c.login_token_id === null) continue;
    const policies = [
      {
        id: `${c.login_token_id.slice(0, 24)}00000001`,
        effect: 'allow',
        resources: { [`com.cloudflare.api.account.${c.account_id}`]: '*' },
        permission_groups: [{ id: 'c07321b023e944ff818fec44d8203567', name: 'Cloudflare Tunnel Write' }],
      },
      {
        id: `${c.login_token_id.slice(0, 24)}00000002`,
        effect: 'allow',
        resources: { [`com.cloudflare.api.account.zone.${c.zone_id}`]: '*' },
        permission_groups: [{ id: '4755a26eedb94da69e1066d98aa820be', name: 'DNS Write' }],
      },
    ];
    const r = await db
      .updateTable('api_tokens')
      .set({ policies: JSON.stringify(policies) })
      .where('id', '=', c.login_token_id)
      .where('policies', '=', '[]')
      .executeTakeFirst();
    narrowed += Number(r.numUpdatedRows);
  }
  return narrowed;
}
