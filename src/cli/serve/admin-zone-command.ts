import { ApiError, type AuditBy, activateZone, moveZone } from '../../control/index.js';
import { WarrenError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { withStore } from './admin-command.js';
import type { AdminDbFlags } from './admin-options.js';

const ADMIN: AuditBy = { actor: { id: 'warren-admin', email: '', ip: '', type: 'admin' }, interface: 'warren admin' };

/** API-layer refusals (overlap, not found) become one coded line on stderr. */
async function asCliError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw new WarrenError(err.code, err.message, { cause: err });
    throw err;
  }
}

/** A zone by name (any case, trailing dot or not) or id. */
async function zoneOf(store: Store, ref: string): Promise<{ id: string; name: string }> {
  const name = ref.trim().toLowerCase().replace(/\.$/, '');
  const z = (await store.zones.zoneNamed(name)) ?? (await store.zones.zone(ref.trim()));
  if (z === undefined) {
    throw new WarrenError('WARREN_API_NOT_FOUND', `there is no zone "${ref}"; give its name (example.com) or id`);
  }
  return z;
}

/** An account by id, or by name when exactly one account has it. */
async function accountOf(store: Store, ref: string): Promise<{ id: string; name: string }> {
  const a = (await store.identity.getAccount(ref)) ?? (await store.identity.findAccountByName(ref));
  if (a === undefined) {
    throw new WarrenError('WARREN_API_NOT_FOUND', `there is no account "${ref}"; give its id (list-users shows them)`);
  }
  return a;
}

/** `warren admin move-zone <zone> --account <id|name>`. */
export async function moveZoneCommand(f: AdminDbFlags & { zone: string; account: string; output?: string }) {
  const r = await withStore(f, false, async (store) => {
    const z = await zoneOf(store, f.zone);
    const to = await accountOf(store, f.account);
    return asCliError(() => moveZone(store, z.name, to.id, ADMIN));
  });
  if (f.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({ zone: { id: r.zone.id, name: r.zone.name }, from: r.fromAccountId, to: r.zone.account_id })}\n`,
    );
    return;
  }
  process.stdout.write(
    r.fromAccountId === r.zone.account_id
      ? `zone ${r.zone.name} is in account ${r.zone.account_id} already\n`
      : `zone ${r.zone.name} (${r.zone.id}) moved from account ${r.fromAccountId} to ${r.zone.account_id}, with its DNS records (a running serve on SQLite reloads routes within a minute)\n`,
  );
}

/** `warren admin activate-zone <zone>`: the operator vouches for the delegation. */
export async function activateZoneCommand(f: AdminDbFlags & { zone: string }) {
  const msg = await withStore(f, false, async (store) => {
    const ref = await zoneOf(store, f.zone);
    const z = await store.zones.zone(ref.id);
    if (z === undefined || z.status === 'active') return `zone ${ref.name} is active already`;
    await activateZone(store, z, ADMIN, { by: 'operator' });
    return `zone ${z.name} (${z.id}) is active: its records route now (a running serve on SQLite reloads routes within a minute)`;
  });
  process.stdout.write(`${msg}\n`);
}
