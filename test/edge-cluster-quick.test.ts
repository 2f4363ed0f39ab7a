import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Cluster, type EdgeProc, PG_SKIP, startCluster, visit } from './support/edge-cluster-fixture.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, startCli } from './support/warren-processes.js';

/**
 * Issue 23 "any edge serves any tunnel", for quick tunnels too: two `warren edge` processes on one
 * PostgreSQL. A quick tunnel linked only to edge a answers at edge b (its name leads b to the
 * tunnel; its links are recorded, so b forwards to a), and a quick tunnel spread over a and b
 * (its links at b re-join with the secret a minted) keeps answering at b when a is killed.
 */
describe('quick tunnels on several edges', { skip: PG_SKIP }, () => {
  let cluster: Cluster;
  let origin: TestOrigin;
  let a: EdgeProc;
  let b: EdgeProc;
  const connectors: Proc[] = [];

  const quick = async (edges: EdgeProc[]): Promise<string> => {
    const proc = startCli([
      'tunnel',
      '--url',
      origin.url,
      ...edges.flatMap((e) => ['--edge', `127.0.0.1:${e.tunnelPort}`]),
      '--edge-ca',
      a.caPath,
      '--loglevel',
      'warn',
    ]);
    connectors.push(proc);
    const [, hostname] = await proc.waitFor(/quick tunnel is ready: http:\/\/([^:/\s]+)/, { timeoutMs: 30_000 });
    return hostname as string;
  };

  before(async () => {
    origin = await startTestOrigin();
    cluster = await startCluster();
    [a, b] = await Promise.all([cluster.startEdge('a'), cluster.startEdge('b')]);
  });

  after(async () => {
    await Promise.all(connectors.map((p) => p.stop('SIGKILL')));
    await cluster?.close();
    await origin?.close();
  });

  test('a-quick-tunnel-linked-only-to-edge-a-answers-at-edge-b', async () => {
    const host = await quick([a]);
    assert.equal((await visit(a.httpPort, '/echo?at=a', { host })).status, 200);
    // b learns of a's links from the recorded rows (a notification, or its next read within 2 s).
    let last = 0;
    await eventually(
      async () => {
        last = (await visit(b.httpPort, '/echo?at=b', { host })).status;
        return last === 200;
      },
      10_000,
      'the quick tunnel answers at b',
    );
    assert.ok(
      origin.seen.some((r) => r.url === '/echo?at=b'),
      'the origin got the request that arrived at b',
    );
    // A quick name nobody holds is still no tunnel at b.
    const stranger = host.replace(/^[a-z]+/, (w) => (w === 'able' ? 'acid' : 'able'));
    assert.notEqual((await visit(b.httpPort, '/echo?nobody', { host: stranger })).status, 200);
    assert.ok(!origin.seen.some((r) => r.url === '/echo?nobody'));
  });

  test('a-quick-tunnel-spread-over-a-and-b-keeps-answering-at-b-when-a-is-killed', async () => {
    const host = await quick([a, b]);
    await eventually(
      async () => (await visit(b.httpPort, '/echo?before', { host })).status === 200,
      10_000,
      'the quick tunnel answers at b',
    );
    await a.stop('SIGKILL');
    let last = 0;
    await eventually(
      async () => {
        last = (await visit(b.httpPort, '/echo?after-a', { host })).status;
        return last === 200;
      },
      15_000,
      'the quick tunnel answers at b after a was killed',
    );
  });
});
