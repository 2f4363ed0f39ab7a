import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { Store } from '../src/store/index.js';
import { DIALECTS, quietLogger } from './support/control-harness.js';

const WRITER = fileURLToPath(new URL('./support/control-store-writer.js', import.meta.url));
const COMMITS_BEFORE_KILL = 25;

for (const dialect of DIALECTS) {
  describe(`store on ${dialect.name}`, { skip: dialect.skip }, () => {
    test('migrations run once, and opening again is a no-op', async () => {
      const db = await dialect.fresh();
      try {
        for (let i = 0; i < 2; i++) {
          const store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger });
          const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
            Store.databaseForTests(store),
          );
          assert.deepEqual(
            rows.map((r) => r.name),
            [
              '0001_identity_zones_tunnels_audit',
              '0002_origin_ca_login_classic_records',
              '0003_setup_links_zone_verification',
              '0004_zone_ownership',
              '0005_membership_invitations_token_parents',
              '0006_access',
              '0007_tunnel_configurations',
              '0008_dashboard_sessions',
              '0009_connection_tags',
              '0010_app_revocations_pending_zones',
              '0011_tunnel_configuration_reports',
              '0012_edge_certificates',
              '0013_edge_members',
              '0014_cluster_state',
              '0015_access_certificates',
              '0016_zone_settings',
            ],
          );
          await store.close();
        }
      } finally {
        await db.drop();
      }
    });

    test('every commit survives SIGKILL of the writing process', async () => {
      const db = await dialect.fresh();
      try {
        const child = spawn(process.execPath, [WRITER], {
          env: { ...process.env, WARREN_TEST_DATA_DIR: db.dataDir, WARREN_TEST_STORE_URL: db.databaseUrl ?? '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const committed: string[] = [];
        let account = '';
        let buf = '';
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        await new Promise<void>((resolve, reject) => {
          child.stdout.setEncoding('utf8').on('data', (s: string) => {
            buf += s;
            let nl = buf.indexOf('\n');
            while (nl >= 0) {
              const [kind, id] = buf.slice(0, nl).split(' ');
              buf = buf.slice(nl + 1);
              if (kind === 'account') account = id as string;
              if (kind === 'committed') committed.push(id as string);
              if (committed.length === COMMITS_BEFORE_KILL) {
                child.kill('SIGKILL');
                resolve();
              }
              nl = buf.indexOf('\n');
            }
          });
          child.once('exit', () => reject(new Error('the writer exited before it was killed')));
        });
        await exited;
        const store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger });
        try {
          const zones = await store.zones.zonesOfAccount(account);
          const have = new Set(zones.map((z) => z.id));
          for (const id of committed) assert.ok(have.has(id), `committed zone ${id} was lost`);
          const audit = await store.audit.entries(account, {}, { page: 1, perPage: 1000 });
          // Each zone and its audit entry committed together: never one without the other.
          assert.equal(audit.total, zones.length);
        } finally {
          await store.close();
        }
      } finally {
        await db.drop();
      }
    });
  });
}
