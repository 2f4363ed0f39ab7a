import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import {
  type Cluster,
  type EdgeProc,
  PG_SKIP,
  routedTunnel,
  startCluster,
  visit,
} from './support/edge-cluster-fixture.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

interface ConnectorView {
  conns: { colo_name: string }[];
}

/** The worker that received a visitor request: the Cf-Ray suffix is the receiving edge's name. */
function receivedBy(headers: import('node:http').IncomingHttpHeaders): string {
  return /-(w-\d+)$/.exec(String(headers['cf-ray']))?.[1] ?? `no worker in cf-ray ${String(headers['cf-ray'])}`;
}

/** The child pids of a process, from /proc. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Issue 23 "every core": `warren edge --workers 2` on one host, with real processes on one
 * PostgreSQL. The workers share the visitor and tunnel ports (the kernel picks which one accepts),
 * each is an edge `w-1`/`w-2` of the cluster, so any worker serves any tunnel; a SIGKILLed worker
 * fails only what it held, and the primary forks it again.
 */
describe('warren edge --workers 2 on one host', { skip: PG_SKIP, timeout: 240_000 }, () => {
  let cluster: Cluster;
  let origin: TestOrigin;
  let w: EdgeProc;
  const connectors: Proc[] = [];
  const pids = new Map<string, number>();

  const colos = async (accountId: string, tunnelId: string): Promise<string[]> => {
    const r = await cluster.api<ConnectorView[]>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/connections`);
    return r.result.flatMap((x) => x.conns.map((k) => k.colo_name)).sort();
  };
  const connector = (token: string, extra: string[] = []): Proc => {
    const p = startCli([
      'tunnel',
      'run',
      '--edge',
      `127.0.0.1:${w.tunnelPort}`,
      '--edge-ca',
      w.caPath,
      '--loglevel',
      'warn',
      ...extra,
      '--token',
      token,
      '--url',
      origin.url,
    ]);
    connectors.push(p);
    return p;
  };

  before(async () => {
    origin = await startTestOrigin();
    cluster = await startCluster();
    w = await cluster.startEdge('w', { WARREN_WORKERS: '2' });
    for (const m of w.stdout().matchAll(/worker\s+(w-\d+) pid (\d+)/g)) pids.set(m[1] as string, Number(m[2]));
  });

  after(async () => {
    await Promise.all(connectors.map((p) => p.stop('SIGKILL')));
    await cluster?.close();
    await origin?.close();
  });

  test('the-primary-forks-two-workers-each-an-edge-with-its-own-peer-port', () => {
    assert.deepEqual([...pids.keys()], ['w-1', 'w-2']);
    for (const pid of pids.values()) assert.equal(parentOf(pid), w.child.pid);
    const peers = [...w.stdout().matchAll(/worker\s+w-\d+ pid \d+ peers (\S+)/g)].map((m) => m[1]);
    assert.equal(new Set(peers).size, 2, w.stdout());
  });

  test('any-worker-serves-any-tunnel-a-request-at-the-worker-without-a-link-is-forwarded', async (t) => {
    // One link: exactly one worker holds it, the other has none for this tunnel.
    const ids = await routedTunnel(cluster);
    connector(ids.token, ['--ha-connections', '1']);
    const holder = await eventually(async () => (await colos(ids.accountId, ids.tunnelId))[0], 20_000, 'one link');
    const agent = new Agent({ keepAlive: false });
    // The other worker learns of the link through the database (a NOTIFY, else its 2 s re-read).
    const other = holder === 'w-1' ? 'w-2' : 'w-1';
    await eventually(
      async () => {
        const r = await visit(w.httpPort, '/echo', { agent });
        return r.status === 200 && receivedBy(r.headers) === other;
      },
      20_000,
      `${other} forwards`,
    );
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    // Fresh connections at c=8: the kernel spreads their accepts over both workers.
    const client = async (): Promise<void> => {
      while (next < 200) {
        const i = next++;
        const r = await visit(w.httpPort, `/echo?i=${i}`, { agent });
        if (r.status !== 200) failures.push(`${i}: ${r.status} at ${receivedBy(r.headers)}`);
        const by = receivedBy(r.headers);
        seen.set(by, (seen.get(by) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => client()));
    agent.destroy();
    t.diagnostic(`link on ${holder}; requests received by ${JSON.stringify([...seen])}`);
    assert.deepEqual(failures, []);
    assert.ok((seen.get(other) ?? 0) > 0, `no request landed on ${other} (no link): ${JSON.stringify([...seen])}`);
    assert.equal((seen.get(holder) ?? 0) + (seen.get(other) ?? 0), 200);
  });

  test('sigkill-of-a-worker-fails-only-what-it-held-the-primary-restarts-it-the-connector-relinks', async (t) => {
    const c = cluster;
    const accountId = (await c.api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
    const zoneId = (await c.api<{ id: string }[]>('GET', '/zones')).result[0]?.id as string;
    const tunnelId = (await c.api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'steady' }))
      .result.id;
    await c.api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'steady.example.com',
    });
    const token = (await c.api<string>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).result;
    // Four links; the kernel places each. Both workers must hold some, so that the survivor serves
    // from its own links while the victim is gone (else its requests wait for the re-link).
    let placed: string[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const p = connector(token);
      placed = await eventually(
        async () => {
          const got = await colos(accountId, tunnelId);
          return got.length === 4 ? got : undefined;
        },
        20_000,
        'four links',
      );
      if (new Set(placed).size === 2) break;
      await p.stop('SIGKILL');
      await eventually(async () => (await colos(accountId, tunnelId)).length === 0, 20_000, 'links gone');
    }
    assert.equal(new Set(placed).size, 2, `links on one worker only after 8 tries: ${placed.join(',')}`);
    const victim = 'w-1';
    const victimPid = pids.get(victim) as number;

    const agent = new Agent({ keepAlive: false });
    const failures: string[] = [];
    let next = 0;
    let done = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    const client = async (): Promise<void> => {
      while (next < 1000) {
        const i = next++;
        inFlight++;
        try {
          const r = await visit(w.httpPort, `/echo?i=${i}`, { agent, host: 'steady.example.com' });
          if (r.status !== 200) failures.push(`${i}: ${r.status} at ${receivedBy(r.headers)}`);
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
        inFlight--;
        done++;
        if (done === 300 && inFlightAtKill < 0) {
          inFlightAtKill = inFlight;
          process.kill(victimPid, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, () => client()));
    agent.destroy();
    t.diagnostic(
      `links ${placed.join(',')}; ${failures.length} failed of 1000, ${inFlightAtKill} in flight at the kill: ${failures.join('; ')}`,
    );
    assert.ok(inFlightAtKill >= 0, 'the victim was killed under load');
    assert.ok(
      failures.length <= inFlightAtKill,
      `${failures.length} failures, but only ${inFlightAtKill} requests were in flight at the kill: ${failures.join('; ')}`,
    );

    // The primary forks it again: a new pid, a child of the primary, serving under the same name.
    const [, newPid] = await w.waitFor(
      new RegExp(`edge worker restarted and serving worker=${victim} workerPid=(\\d+)`),
      {
        from: 'stderr',
        timeoutMs: 30_000,
      },
    );
    assert.notEqual(Number(newPid), victimPid);
    // Forked once: the new worker took over its predecessor's still-fresh row instead of being refused as its twin.
    assert.equal(
      w.stderr().match(new RegExp(`edge worker exited; the primary restarts it worker=${victim}`, 'g'))?.length,
      1,
    );
    assert.equal(parentOf(Number(newPid)), w.child.pid);
    const fresh = new Agent({ keepAlive: false });
    await eventually(
      async () => {
        const r = await visit(w.httpPort, '/echo', { agent: fresh, host: 'steady.example.com' });
        return r.status === 200 && receivedBy(r.headers) === victim;
      },
      20_000,
      `a request served by the restarted ${victim}`,
    );
    fresh.destroy();
    // The connector's links to the dead worker come back (on either worker).
    await eventually(async () => (await colos(accountId, tunnelId)).length === 4, 20_000, 'the connector re-links');
  });

  test('sigterm-to-the-primary-stops-every-worker-cleanly', async () => {
    const workers = childrenOf(w.child.pid as number);
    assert.equal(workers.length, 2);
    assert.equal(await w.stop('SIGTERM'), 0);
    await eventually(() => workers.every((pid) => !alive(pid)), 10_000, 'both workers gone');
  });
});

/**
 * `warren serve --workers 2` on PostgreSQL: control, DNS and jobs in the primary, two edge workers
 * that are edges of the cluster (the issue noted that `serve --database-url` did not join it).
 * On SQLite, more than one worker is refused with one line.
 */
describe('warren serve --workers', { skip: PG_SKIP, timeout: 180_000 }, () => {
  let serve: ServeHandle;
  let drop: () => Promise<void> = async () => {};
  let origin: TestOrigin;
  const connectors: Proc[] = [];

  before(async () => {
    origin = await startTestOrigin();
    const db = await (DIALECTS.find((d) => d.name === 'postgres') as (typeof DIALECTS)[number]).fresh();
    drop = () => db.drop();
    serve = await startServe({
      args: ['--database-url', db.databaseUrl as string, '--workers', '2', '--edge-name', 's', '--dns-port', '0'],
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
  });

  after(async () => {
    await Promise.all(connectors.map((p) => p.stop('SIGKILL')));
    await serve?.stop();
    await drop();
    await origin?.close();
  });

  test('serve-on-postgresql-forks-edge-workers-that-forward-to-each-other', async (t) => {
    assert.match(serve.stdout(), /worker\s+s-1 pid \d+/);
    assert.match(serve.stdout(), /worker\s+s-2 pid \d+/);
    const api = async <R>(method: string, path: string, body?: unknown): Promise<{ success: boolean; result: R }> => {
      const res = await fetch(`${serve.apiBase}/client/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as { success: boolean; result: R };
    };
    const ids = await routedTunnel({ api } as unknown as Cluster);
    const c = startCli([
      'tunnel',
      'run',
      '--edge',
      `127.0.0.1:${serve.tunnelPort}`,
      '--edge-ca',
      serve.caPath,
      '--loglevel',
      'warn',
      '--ha-connections',
      '1',
      '--token',
      ids.token,
      '--url',
      origin.url,
    ]);
    connectors.push(c);
    const holder = await eventually(
      async () =>
        (
          await api<ConnectorView[]>('GET', `/accounts/${ids.accountId}/cfd_tunnel/${ids.tunnelId}/connections`)
        ).result.flatMap((x) => x.conns.map((k) => k.colo_name))[0],
      20_000,
      'one link',
    );
    assert.match(holder, /^s-[12]$/);
    const agent = new Agent({ keepAlive: false });
    const other = holder === 's-1' ? 's-2' : 's-1';
    await eventually(
      async () => {
        const r = await visit(serve.httpPort, '/echo', { agent });
        return r.status === 200 && String(r.headers['cf-ray']).endsWith(`-${other}`);
      },
      20_000,
      `${other} forwards`,
    );
    const seen = new Map<string, number>();
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < 100) {
        next++;
        const r = await visit(serve.httpPort, '/echo', { agent });
        assert.equal(r.status, 200);
        const by = /-(s-\d)$/.exec(String(r.headers['cf-ray']))?.[1] ?? '?';
        seen.set(by, (seen.get(by) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => client()));
    agent.destroy();
    t.diagnostic(`link on ${holder}; requests received by ${JSON.stringify([...seen])}`);
    assert.ok((seen.get(other) ?? 0) > 0, 'a request landed on the worker without a link');
  });

  test('the-workers-of-a-killed-primary-stop-on-their-own', async () => {
    const workers = childrenOf(serve.child.pid as number);
    assert.equal(workers.length, 2);
    await serve.stop('SIGKILL');
    await eventually(() => workers.every((pid) => !alive(pid)), 15_000, 'orphaned workers gone');
  });

  test('serve-on-sqlite-refuses-more-than-one-worker-with-one-line', async () => {
    const p = startCli(['serve', '--data-dir', tempDir(), '--workers', '2']);
    assert.equal(await p.exited, 1);
    const lines = p.stderr().trim().split('\n');
    assert.match(
      lines[0] as string,
      /--workers 2 needs --database-url postgres:\/\/….*share tunnels, logins and changes through PostgreSQL.*pass --database-url, or --workers 1/,
    );
  });
});
