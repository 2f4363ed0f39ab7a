import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { databaseApiError } from '../src/control/index.js';
import { DATABASE_PROBE_INTERVAL_MS, databaseFault } from '../src/store/index.js';
import { DIALECTS } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { type FaultControl, startFaultControl } from './support/fault-control.js';
import { fillSqlite, freeSqlite, paddedEntry } from './support/sqlite-fill.js';
import { startTcpProxy } from './support/tcp-proxy.js';

const [SQLITE, POSTGRES] = DIALECTS as [(typeof DIALECTS)[0], (typeof DIALECTS)[0]];

/** Moves the injected clock by one probe interval until /readyz answers 200 (the probe is real I/O). */
async function untilReady(f: FaultControl): Promise<void> {
  await eventually(
    async () => {
      await f.clock.advance(DATABASE_PROBE_INTERVAL_MS);
      return (await f.get('/readyz')).status === 200;
    },
    10_000,
    '/readyz back to 200',
  );
}

describe('store faults on sqlite: a full disk', () => {
  test('a-full-disk-keeps-its-SQLITE_FULL-answers-503-and-readyz-says-so-until-space-is-freed', async () => {
    const db = await SQLITE.fresh();
    const f = await startFaultControl(db);
    try {
      await fillSqlite(f.store, f.accountId);
      // The real error survives the failed ROLLBACK (SQLite already rolled back by itself).
      await assert.rejects(
        f.store.transaction(async (tx) => {
          await tx.audit.append(paddedEntry(f.accountId, 8000));
        }),
        (err: { code?: string; message?: string }) => {
          assert.equal(err.code, 'SQLITE_FULL', `got ${err.code}: ${err.message}`);
          return true;
        },
      );
      const zone = { account: { id: f.accountId }, name: 'example.com' };
      const refused = await f.call('POST', '/zones', zone);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal(refused.json.errors[0]?.warren_code, 'WARREN_DATABASE_FULL');
      assert.match(refused.json.errors[0]?.message ?? '', /disk .* is full.*SQLITE_FULL/);
      // Reads still work; the process is up; it is not ready for writes, and says why.
      assert.equal((await f.call('GET', '/zones')).status, 200);
      assert.equal((await f.get('/healthz')).status, 200);
      const ready = await f.get('/readyz');
      assert.equal(ready.status, 503);
      const why = JSON.parse(ready.body) as Record<string, unknown>;
      assert.equal(why.reason, 'disk_full');
      assert.equal(why.driver_code, 'SQLITE_FULL');
      assert.equal(why.warren_code, 'WARREN_DATABASE_FULL');
      const metrics = (await f.get('/metrics')).body;
      assert.match(metrics, /^warren_database_writes_failing 1$/m);
      assert.match(metrics, /^warren_database_faults_total\{reason="disk_full"\} [1-9]/m);
      // The log names the condition and the real error, never the rollback's.
      const named = f.logs.lines.find((l) => l.reason === 'disk_full' && l.dbCode === 'SQLITE_FULL');
      assert.ok(named, 'a log line names the full disk');
      const apiFailures = f.logs.lines.filter((l) => l.msg === 'api: request failed');
      assert.ok(apiFailures.length > 0);
      for (const l of apiFailures) {
        assert.equal((l.err as { code?: string }).code, 'SQLITE_FULL');
        assert.equal(l.warrenCode, 'WARREN_DATABASE_FULL');
      }
      assert.ok(!JSON.stringify(f.logs.lines).includes('cannot rollback'), 'no log line says "cannot rollback"');
      // While the disk stays full the write probe keeps failing: still not ready.
      await f.clock.advance(DATABASE_PROBE_INTERVAL_MS);
      // Space is freed: the probe sees it, with no request and no restart.
      await freeSqlite(f.store);
      await untilReady(f);
      assert.match((await f.get('/metrics')).body, /^warren_database_writes_failing 0$/m);
      assert.equal((await f.call('POST', '/zones', zone)).status, 200);
    } finally {
      await f.close();
      await db.drop();
    }
  });
});

describe('store faults on postgres', { skip: POSTGRES.skip }, () => {
  test('a-postgres-outage-answers-503-retryable-and-writes-pass-again-without-a-restart', async () => {
    const db = await POSTGRES.fresh();
    const url = new URL(db.databaseUrl as string);
    const proxy = await startTcpProxy(Number(url.port));
    url.port = String(proxy.port);
    const f = await startFaultControl({ dataDir: db.dataDir, databaseUrl: url.toString() });
    try {
      await proxy.cut();
      const zone = { account: { id: f.accountId }, name: 'example.com' };
      const refused = await f.call('POST', '/zones', zone);
      assert.equal(refused.status, 503, JSON.stringify(refused.json));
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.json.errors[0]?.warren_code, 'WARREN_DATABASE_UNAVAILABLE');
      const ready = await f.get('/readyz');
      assert.equal(ready.status, 503);
      assert.equal((JSON.parse(ready.body) as { reason: string }).reason, 'unavailable');
      assert.equal((await f.get('/healthz')).status, 200);
      await proxy.restore();
      await untilReady(f);
      assert.equal((await f.call('POST', '/zones', zone)).status, 200);
    } finally {
      await f.close();
      await proxy.close();
      await db.drop();
    }
  });

  test('real-postgres-errors-are-classified-transient-or-not', async () => {
    const db = await POSTGRES.fresh();
    const url = db.databaseUrl as string;
    const clients: pg.Client[] = [];
    const client = async (connectionString = url): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString });
      c.on('error', () => {}); // the terminated ones report here too
      clients.push(c);
      await c.connect();
      return c;
    };
    const failure = async (p: Promise<unknown>): Promise<unknown> => {
      try {
        await p;
      } catch (err) {
        return err;
      }
      assert.fail('expected the statement to fail');
    };
    try {
      const a = await client();
      const b = await client();
      await a.query('CREATE TABLE t (n int)');
      // Serialization failure (40001): two serializable transactions that read what the other writes.
      await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await b.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await a.query('SELECT count(*) FROM t');
      await b.query('SELECT count(*) FROM t');
      await a.query('INSERT INTO t VALUES (1)');
      await b.query('INSERT INTO t VALUES (2)');
      await a.query('COMMIT');
      const conflict = await failure(b.query('COMMIT'));
      assert.equal((conflict as { code?: string }).code, '40001');
      assert.equal(databaseFault(conflict)?.reason, 'conflict');
      const answer = databaseApiError(conflict);
      assert.deepEqual([answer?.status, answer?.code, answer?.retryAfterSeconds], [503, 'WARREN_DATABASE_CONFLICT', 1]);
      // A backend terminated by the server (57P01, what a restart does to every connection).
      const victim = await client();
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const ended = failure(victim.query('SELECT pg_sleep(30)'));
      await a.query('SELECT pg_terminate_backend($1)', [pid]);
      const terminated = await ended;
      assert.equal(databaseFault(terminated)?.reason, 'unavailable', String(terminated));
      assert.equal(databaseFault(await failure(victim.query('SELECT 1')))?.reason, 'unavailable');
      // Not transient: a constraint, bad SQL. They stay 500 WARREN_DATABASE.
      await a.query('CREATE TABLE u (n int PRIMARY KEY)');
      await a.query('INSERT INTO u VALUES (1)');
      assert.equal(databaseFault(await failure(a.query('INSERT INTO u VALUES (1)'))), undefined);
      assert.equal(databaseFault(await failure(a.query('SELEKT 1'))), undefined);
      assert.equal(databaseApiError(await failure(a.query('SELEKT 1'))), undefined);
      // The connection drops mid-statement; the server refuses connections.
      const pgPort = Number(new URL(url).port);
      const proxy = await startTcpProxy(pgPort);
      const proxied = new URL(url);
      proxied.port = String(proxy.port);
      const c = await client(proxied.toString());
      const dropped = failure(c.query('SELECT pg_sleep(30)'));
      await proxy.cut();
      assert.equal(databaseFault(await dropped)?.reason, 'unavailable', String(await dropped));
      const refused = await failure(client(proxied.toString()));
      assert.equal(databaseFault(refused)?.reason, 'unavailable', String(refused));
      assert.equal(databaseFault(refused)?.driverCode, 'ECONNREFUSED');
      await proxy.close();
    } finally {
      for (const c of clients) await c.end().catch(() => {});
      await db.drop();
    }
  });
});
