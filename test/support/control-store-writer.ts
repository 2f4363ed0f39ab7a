// Child process for store-durability tests: opens the store, creates zones one
// transaction at a time and prints each id once its commit returned, until killed.
import pino from 'pino';
import { Store } from '../../src/store/index.js';

const dataDir = process.env.WARREN_TEST_DATA_DIR as string;
const databaseUrl = process.env.WARREN_TEST_STORE_URL || undefined;
const store = await Store.open({ dataDir, databaseUrl, logger: pino({ level: 'silent' }) });
const account = await store.identity.createAccount('durability');
process.stdout.write(`account ${account.id}\n`);
for (let i = 0; ; i++) {
  const z = await store.transaction(async (tx) => {
    const z = await tx.zones.createZone({ accountId: account.id, name: `z${i}.durable.test`, type: 'full' });
    await tx.audit.append({
      accountId: account.id,
      action: 'zone_create',
      actor: { id: 'writer', email: '', ip: '', type: 'admin' },
      interface: 'test',
      resource: { id: z.id, type: 'zone' },
    });
    return z;
  });
  process.stdout.write(`committed ${z.id}\n`);
}
