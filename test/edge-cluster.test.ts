import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, type IncomingMessage, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import pg from 'pg';
import WebSocket from 'ws';
import { peerHead } from '../src/edge/registration/peer-relay.js';
import { DEFAULT_INITIAL_WINDOW, MuxConnection } from '../src/protocol/index.js';
import { ADMIN_TOKEN } from './support/control-harness.js';
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
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const MIB = 1024 * 1024;
/** The 256 MiB streamed body, each way, through the forwarded hop. */
const BIG = 256 * MIB;

interface ConnectorView {
  id: string;
  conns: { colo_name: string }[];
}

/**
 * Issue 23 acceptance with real processes on one PostgreSQL: `warren control`, edges a, b and c
 * (`warren edge`), one connector replica linked to a and one to b, requests arriving at c.
 */
describe('several edges on one PostgreSQL', { skip: PG_SKIP }, () => {
  let cluster: Cluster;
  let origin: TestOrigin;
  let a: EdgeProc;
  let b: EdgeProc;
  let c: EdgeProc;
  const connectors: Proc[] = [];
  let ids: { accountId: string; zoneId: string; tunnelId: string; token: string };

  const colos = async (): Promise<string[]> => {
    const r = await cluster.api<ConnectorView[]>(
      'GET',
      `/accounts/${ids.accountId}/cfd_tunnel/${ids.tunnelId}/connections`,
    );
    return r.result.flatMap((x) => x.conns.map((k) => k.colo_name)).sort();
  };

  before(async () => {
    origin = await startTestOrigin();
    cluster = await startCluster();
    [a, b, c] = await Promise.all([cluster.startEdge('a'), cluster.startEdge('b'), cluster.startEdge('c')]);
    ids = await routedTunnel(cluster);
    for (const e of [a, b]) {
      connectors.push(
        startCli([
          'tunnel',
          'run',
          '--edge',
          `127.0.0.1:${e.tunnelPort}`,
          '--edge-ca',
          e.caPath,
          '--loglevel',
          'warn',
          '--token',
          ids.token,
          '--url',
          origin.url,
        ]),
      );
    }
    await eventually(
      async () => (await colos()).join(',') === 'a,a,a,a,b,b,b,b',
      20_000,
      'four connections on a and four on b',
    );
  });

  after(async () => {
    await Promise.all(connectors.map((p) => p.stop('SIGKILL')));
    await cluster?.close();
    await origin?.close();
  });

  test('every-edge-writes-the-same-edge-ca', async () => {
    const pems = [a, b, c].map((e) => readFileSync(e.caPath, 'utf8'));
    assert.equal(new Set(pems).size, 1);
  });

  test('connections-api-names-each-connection-edge-as-colo-name', async () => {
    assert.deepEqual(await colos(), ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
  });

  test('an-edge-without-links-serves-http-through-the-edges-that-hold-them', async () => {
    await eventually(async () => (await visit(c.httpPort, '/echo')).status === 200, 10_000, 'c forwards');
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await visit(c.httpPort, `/echo?i=${i}`);
      assert.equal(r.status, 200);
      const echoed = JSON.parse(r.body.toString()) as { url: string; headers: Record<string, string> };
      assert.equal(echoed.url, `/echo?i=${i}`);
      assert.equal(echoed.headers.host, 'app.example.com');
      // The receiving edge names the ray; its peer relays it unchanged.
      assert.match(String(r.headers['cf-ray']), /-c$/);
      assert.equal(echoed.headers['warren-peer-tunnel'], undefined);
      seen.add(String(echoed.headers['cf-warp-tag-id'] ?? ''));
    }
    // Both replicas' links (on a and on b) take forwarded requests.
    assert.equal(seen.size, 2);
  });

  test('an-edge-whose-secret-key-does-not-open-the-edge-ca-stops-with-one-line', async () => {
    const other = startCli(
      [
        'edge',
        '--database-url',
        cluster.databaseUrl,
        '--name',
        'x',
        '--data-dir',
        tempDir(),
        '--http-port',
        '0',
        '--tunnel-port',
        '0',
      ],
      { env: { WARREN_SECRET_KEY: randomBytes(32).toString('base64') } },
    );
    assert.notEqual(await other.exited, 0);
    const lines = other.stderr().trim().split('\n');
    assert.equal(lines.length, 1, other.stderr());
    assert.match(
      lines[0] as string,
      /edge CA in the database was sealed with another secret key.*same WARREN_SECRET_KEY/,
    );
  });

  test('a-second-edge-of-the-same-name-is-refused', async () => {
    const twin = startCli(
      [
        'edge',
        '--database-url',
        cluster.databaseUrl,
        '--name',
        'b',
        '--data-dir',
        tempDir(),
        '--http-port',
        '0',
        '--tunnel-port',
        '0',
        '--workers',
        '1',
      ],
      { env: { WARREN_SECRET_KEY: cluster.secretKey } },
    );
    assert.notEqual(await twin.exited, 0);
    assert.match(twin.stderr(), /an edge named "b" is running .*give every edge its own --name/);
    // The refused twin did not wipe the running b's connection rows on its way out.
    assert.deepEqual(await colos(), ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
  });

  test('the-peer-port-refuses-a-client-without-an-edge-peer-certificate', async () => {
    const [host, port] = b.peerAddress.split(':') as [string, string];
    const ca = readFileSync(b.caPath, 'utf8');
    // Trusts the edge CA but presents no certificate: it must not get a request to the tunnel through.
    const socket = tls.connect({ host, port: Number(port), ca: [ca], checkServerIdentity: () => undefined });
    socket.on('error', () => {});
    await once(socket, 'secureConnect');
    const conn = new MuxConnection(socket, {
      role: 'edge',
      initialWindow: DEFAULT_INITIAL_WINDOW,
      heartbeatMs: 60_000,
      heartbeatTimeoutMs: 180_000,
    });
    const stream = conn.openStream(
      peerHead(
        { method: 'GET', path: '/echo', headers: ['host', 'app.example.com'], endOfStream: true },
        ids.tunnelId,
        'any',
      ),
    );
    const outcome = await new Promise<string>((resolve) => {
      stream.onResponse = (h) => resolve(`response ${h.status}`);
      stream.onReset = (r) => resolve(`reset ${r.code}`);
    });
    assert.match(outcome, /^reset /);
  });

  test('a-256-mib-download-and-upload-stream-through-the-forwarded-hop', async () => {
    let got = 0;
    const down = await visit(c.httpPort, `/bytes/${BIG}`, { onData: (b) => (got += b.length) });
    assert.equal(down.status, 200);
    assert.equal(got, BIG);
    const body = Buffer.alloc(BIG, 0x62);
    const up = await visit(c.httpPort, '/upload', { method: 'POST', body });
    assert.equal(up.status, 200);
    const r = JSON.parse(up.body.toString()) as { bytes: number; sha256: string };
    assert.equal(r.bytes, BIG);
    assert.equal(r.sha256, createHash('sha256').update(body).digest('hex'));
  });

  test('a-websocket-works-through-the-forwarded-hop', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${c.httpPort}/ws`, { headers: { host: 'app.example.com' } });
    await once(ws, 'open');
    for (const text of ['one', 'two', 'three']) {
      ws.send(text);
      const [data] = (await once(ws, 'message')) as [Buffer];
      assert.equal(data.toString(), text);
    }
    ws.close();
    await once(ws, 'close');
  });

  test('server-sent-events-arrive-one-by-one-through-the-forwarded-hop', async () => {
    const req = request({ host: '127.0.0.1', port: c.httpPort, path: '/sse', headers: { host: 'app.example.com' } });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream', "the origin's stream, through the hop");
    res.setEncoding('utf8');
    let text = '';
    const until = (want: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!text.includes(want)) return;
          res.off('data', onData);
          resolve();
        };
        const onData = (chunk: string): void => {
          text += chunk;
          check();
        };
        res.on('data', onData);
        res.once('error', reject);
        check();
      });
    await until(': open');
    // Each event is relayed as it is written, not when the response ends.
    for (const name of ['first', 'second']) {
      origin.emit(name);
      await until(`data: ${name}`);
    }
    res.destroy();
  });

  test('the-receiving-edge-applies-access-before-forwarding', async () => {
    const acc = (p: string) => `/accounts/${ids.accountId}/access${p}`;
    await cluster.api('PUT', `/zones/${ids.zoneId}/tunnels/${ids.tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'api.example.com',
    });
    await cluster.api('POST', acc('/organizations'), { name: 'Svc', auth_domain: 'svc.cloudflareaccess.com' });
    const token = (
      await cluster.api<{ id: string; client_id: string; client_secret: string }>('POST', acc('/service_tokens'), {
        name: 'ci',
      })
    ).result;
    const app = (await cluster.api<{ id: string }>('POST', acc('/apps'), { name: 'api', domain: 'api.example.com' }))
      .result;
    await cluster.api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'ci only',
      decision: 'non_identity',
      include: [{ service_token: { token_id: token.id } }],
    });
    const refused = new Set([302, 401, 403]);
    let last = 0;
    await eventually(
      async () => {
        last = (await visit(c.httpPort, '/echo', { host: 'api.example.com' })).status;
        return refused.has(last);
      },
      15_000,
      'c refuses a request without the service token',
    ).catch((err: Error) => assert.fail(`${err.message}; last status ${last}`));
    const before = origin.seen.length;
    assert.ok(refused.has((await visit(c.httpPort, '/echo?again', { host: 'api.example.com' })).status));
    assert.equal(origin.seen.length, before, 'a refused request never reached the origin');
    const ok = await visit(c.httpPort, '/echo', {
      host: 'api.example.com',
      headers: { 'cf-access-client-id': token.client_id, 'cf-access-client-secret': token.client_secret },
    });
    assert.equal(ok.status, 200);
    const echoed = JSON.parse(ok.body.toString()) as { headers: Record<string, string> };
    assert.ok(echoed.headers['cf-access-jwt-assertion'], 'the origin gets the JWT c minted');
    assert.match(String(ok.headers['cf-ray']), /-c$/);
  });

  test('warren-tail-through-warren-control-shows-a-request-served-through-edge-c', async () => {
    // The control process holds no link: its tail sessions reach the connectors on a and b through
    // the relay (PostgreSQL NOTIFY), and the request arrives at c, which holds none either.
    const tail = startCli(['tail', 'web', '--api', cluster.apiBase, '--output', 'json'], {
      env: { WARREN_API_TOKEN: ADMIN_TOKEN },
    });
    try {
      await tail.waitFor(/connector \S+ is streaming/, { from: 'stderr', timeoutMs: 20_000 });
      await eventually(
        async () => {
          await visit(c.httpPort, '/echo?tailed=1');
          return tail
            .stdout()
            .split('\n')
            .some((l) => l.startsWith('{') && (JSON.parse(l) as { path?: string }).path === '/echo');
        },
        10_000,
        'the request at c in the tail through warren control',
      );
    } finally {
      await tail.stop();
    }
  });

  test('a-route-changed-through-warren-control-is-honoured-by-all-three-edges-within-a-second-and-after-a-lost-listen', async () => {
    const host = 'moved.example.com';
    const status = async (e: EdgeProc): Promise<number> => (await visit(e.httpPort, '/echo', { host })).status;
    const route = await cluster.api('PUT', `/zones/${ids.zoneId}/tunnels/${ids.tunnelId}/routes`, {
      type: 'dns',
      user_hostname: host,
    });
    assert.ok(route.success, JSON.stringify(route));
    for (const e of [a, b, c]) {
      await eventually(async () => (await status(e)) === 200, 1_000, `edge ${e.name} routes ${host} within 1 s`);
    }
    // Kill every LISTEN backend of this database (control's and the three edges'), then remove the
    // record at once: its NOTIFY finds nobody listening, so only each edge's resync can bring it.
    const admin = new pg.Client({ connectionString: cluster.databaseUrl });
    await admin.connect();
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
      );
      assert.ok(killed.rows.length >= 4, `one LISTEN connection per process (${killed.rows.length})`);
    } finally {
      await admin.end();
    }
    const records = await cluster.api<{ id: string }[]>('GET', `/zones/${ids.zoneId}/dns_records?name=${host}`);
    const id = records.result[0]?.id;
    assert.ok(id !== undefined, JSON.stringify(records));
    assert.ok((await cluster.api('DELETE', `/zones/${ids.zoneId}/dns_records/${id}`)).success);
    for (const e of [a, b, c]) {
      await eventually(async () => (await status(e)) !== 200, 5_000, `edge ${e.name} forgets ${host} after its resync`);
    }
    assert.equal((await visit(c.httpPort, '/echo')).status, 200, 'the tunnel itself still answers');
  });

  test('sigkill-of-a-holding-edge-fails-no-request-that-arrived-at-b-or-c', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const total = 2000;
    let next = 0;
    let done = 0;
    const failures: string[] = [];
    let killed = false;
    const worker = async (): Promise<void> => {
      // Bounded: each worker takes requests until `total` are issued.
      while (next < total) {
        const i = next++;
        const port = i % 2 === 0 ? b.httpPort : c.httpPort;
        try {
          const r = await visit(port, `/echo?n=${i}`, { agent });
          if (r.status !== 200) failures.push(`${i} via ${port === b.httpPort ? 'b' : 'c'}: ${r.status}`);
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
        done++;
        if (done === 300 && !killed) {
          killed = true;
          a.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, () => worker()));
    agent.destroy();
    assert.ok(killed);
    assert.deepEqual(failures, []);
    // a's rows go with its membership within seconds.
    await eventually(async () => !(await colos()).includes('a'), 15_000, "a's connections expire");
    assert.deepEqual(await colos(), ['b', 'b', 'b', 'b']);
  });
});
