import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ManagementTokens } from '../src/control/index.js';
import { encodeManagement, FrameType, type LogEvent, proveSecret } from '../src/protocol/index.js';
import { SecretBox } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { dialTunnel, register } from './support/raw-tunnel-client.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, startCli } from './support/warren-processes.js';

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

interface TailEvent {
  event: string;
  method: string;
  host: string;
  path: string;
  status: number;
  duration_ms: number;
  ray_id: string;
  connector_id: string;
}

function events(p: Proc): TailEvent[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TailEvent);
}

describe('warren tail: live request logs through the edge', () => {
  let origin: TestOrigin;
  let f: NamedTunnelFixture;
  let connector: Proc;
  let connectorMetrics: string;
  const tails: Proc[] = [];

  const startTail = async (args: string[]): Promise<Proc> => {
    const p = startCli([
      'tail',
      'web',
      '--api',
      f.serve.apiBase,
      '--api-token',
      ADMIN_TOKEN,
      '--output',
      'json',
      ...args,
    ]);
    tails.push(p);
    await p.waitFor(/connector \S+ is streaming/, { from: 'stderr' });
    return p;
  };
  const managementToken = async (tunnelId: string): Promise<string> =>
    (
      await f.api<string>('POST', `/accounts/${f.accountId}/cfd_tunnel/${tunnelId}/management`, {
        resources: ['logs'],
      })
    ).result;
  const logsUrl = (tunnelId: string) => `ws://127.0.0.1:${f.serve.apiPort}/management/tunnels/${tunnelId}/logs`;

  before(async () => {
    origin = await startTestOrigin();
    f = await startNamedTunnelFixture();
    connector = f.run(['--token', f.token, '--url', origin.url, '--metrics', '127.0.0.1:0']);
    [, connectorMetrics = ''] = await connector.waitFor(/Metrics server listening on (http:\/\/\S+)\/metrics/);
    await untilConnectors(f, 1);
  });
  after(async () => {
    for (const t of tails) await t.stop();
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
  });

  test('the connector builds and sends no log event while no one tails', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await visit(f.serve.httpPort, f.hostname, '/status/204')).status, 204);
    assert.equal(await metric(connectorMetrics, 'warren_tunnel_tail_events_sent'), 0);
    assert.equal(await metric(connectorMetrics, 'warren_tunnel_tail_sessions'), 0);
  });

  test('tail shows a request made through the tunnel within a second: method, host, path, status, duration, ray id', async () => {
    const tail = await startTail([]);
    const started = Date.now();
    const res = await visit(f.serve.httpPort, f.hostname, '/status/201?api_key=hunter2');
    assert.equal(res.status, 201);
    await eventually(() => events(tail).some((e) => e.path === '/status/201'), 1_000, 'the event on stdout');
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1_000, `${elapsed} ms`);
    const e = events(tail).find((x) => x.path === '/status/201') as TailEvent;
    assert.equal(e.event, 'http');
    assert.equal(e.method, 'GET');
    assert.equal(e.host, f.hostname);
    assert.equal(e.status, 201);
    assert.ok(e.duration_ms >= 0);
    assert.equal(e.ray_id, res.headers['cf-ray']);
    assert.match(e.connector_id, /^[0-9a-f-]{36}$/);
    // The query string can carry secrets: it is never logged.
    assert.ok(!tail.stdout().includes('hunter2'));
    assert.ok((await metric(connectorMetrics, 'warren_tunnel_tail_events_sent')) >= 1);

    // The last session closes: the connector stops, and requests cost no events again.
    assert.equal(await tail.stop('SIGINT'), 0);
    await eventually(async () => (await metric(connectorMetrics, 'warren_tunnel_tail_sessions')) === 0, 5_000, 'stop');
    const sent = await metric(connectorMetrics, 'warren_tunnel_tail_events_sent');
    for (let i = 0; i < 10; i++) await visit(f.serve.httpPort, f.hostname, '/status/204');
    assert.equal(await metric(connectorMetrics, 'warren_tunnel_tail_events_sent'), sent);
  });

  test('--event ws shows WebSocket requests and leaves plain HTTP ones out', async () => {
    const tail = await startTail(['--event', 'ws']);
    assert.equal((await visit(f.serve.httpPort, f.hostname, '/echo')).status, 200);
    const ws = new WebSocket(`ws://127.0.0.1:${f.serve.httpPort}/ws`, { headers: { host: f.hostname } });
    await once(ws, 'open');
    ws.send('hi');
    await once(ws, 'message');
    ws.close();
    await eventually(() => events(tail).some((e) => e.event === 'ws' && e.path === '/ws'), 5_000, 'the ws event');
    assert.equal(events(tail).filter((e) => e.event !== 'ws').length, 0, tail.stdout());
    assert.equal((events(tail)[0] as TailEvent).status, 101);
    await tail.stop('SIGINT');
  });

  test('the management endpoint refuses a missing, expired, forged or other-tunnel token', async () => {
    const box = new SecretBox(Buffer.from(readFileSync(join(f.serve.dataDir, 'secret.key'), 'utf8').trim(), 'base64'));
    const other = (await f.api<{ id: string }>('POST', `/accounts/${f.accountId}/cfd_tunnel`, { name: 'other' })).result
      .id;
    const tenMinutesAgo = new ManualClock(Date.now() - 10 * 60_000);
    const tokens: [string, string | undefined][] = [
      ['none', undefined],
      ['expired', new ManagementTokens(box, tenMinutesAgo).issue(f.accountId, f.tunnelId, ['logs']).token],
      [
        'forged',
        new ManagementTokens(new SecretBox(Buffer.alloc(32, 1)), new ManualClock()).issue(f.accountId, f.tunnelId, [
          'logs',
        ]).token,
      ],
      ['other tunnel', await managementToken(other)],
    ];
    for (const [what, token] of tokens) {
      const ws = new WebSocket(logsUrl(f.tunnelId), {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      ws.on('error', () => {});
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
      let body = '';
      for await (const c of res) body += String(c);
      assert.equal(res.statusCode, 401, what);
      assert.match(body, /WARREN_MANAGEMENT_TOKEN_INVALID/, what);
      if (token !== undefined) assert.ok(!body.includes(token), `${what}: the token is never echoed`);
    }
    // A bad filter, and an upgrade anywhere else on the API port, get a 400 that says why.
    const good = await managementToken(f.tunnelId);
    for (const url of [`${logsUrl(f.tunnelId)}?level=loud`, `ws://127.0.0.1:${f.serve.apiPort}/client/v4/zones`]) {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${good}` } });
      ws.on('error', () => {});
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
      let body = '';
      for await (const c of res) body += String(c);
      assert.equal(res.statusCode, 400, url);
      assert.match(body, /WARREN_API_INVALID/, url);
    }
    // The same path with the tunnel's own token opens.
    const ok = new WebSocket(logsUrl(f.tunnelId), {
      headers: { authorization: `Bearer ${await managementToken(f.tunnelId)}` },
    });
    const [first] = (await once(ok, 'message')) as [Buffer];
    assert.equal((JSON.parse(String(first)) as { type: string }).type, 'ready');
    ok.close();
  });

  test('a connector that sends log events unasked is not relayed; the edge drops and counts them', async () => {
    const t = JSON.parse(Buffer.from(f.token, 'base64').toString('utf8')) as { a: string; t: string; s: string };
    const link = await dialTunnel(f.serve.tunnelPort, readFileSync(f.serve.caPath, 'utf8'));
    const answer = await register(link, {
      kind: 'secret',
      accountTag: t.a,
      tunnelId: t.t,
      proof: proveSecret(Buffer.from(t.s, 'base64'), link.hello.nonce),
    });
    assert.ok('connectionId' in answer, JSON.stringify(answer));
    const apiMetrics = f.serve.apiBase;
    const before = await metric(apiMetrics, 'warren_edge_tail_unsolicited_total');
    const event: LogEvent = {
      time: new Date().toISOString(),
      level: 'info',
      event: 'http',
      connector_id: '',
      message: 'GET forged 200',
      method: 'GET',
      host: 'forged.example',
      path: '/forged',
      status: 200,
      duration_ms: 1,
      ray_id: 'forged',
    };
    // No one tails: dropped unread.
    for (let i = 0; i < 50; i++) {
      link.conn.sendFrame(
        FrameType.Management,
        0,
        encodeManagement({ type: 'event', sessions: ['session-x1'], event }),
      );
    }
    await eventually(
      async () => (await metric(apiMetrics, 'warren_edge_tail_unsolicited_total')) >= before + 50,
      5_000,
      'unsolicited counted',
    );
    // Someone tails (the real connector streams): a session id the edge did not give this link is not relayed.
    const tail = await startTail([]);
    const mid = await metric(apiMetrics, 'warren_edge_tail_unsolicited_total');
    link.conn.sendFrame(
      FrameType.Management,
      0,
      encodeManagement({ type: 'event', sessions: ['guessed-session'], event }),
    );
    await eventually(
      async () => (await metric(apiMetrics, 'warren_edge_tail_unsolicited_total')) >= mid + 1,
      5_000,
      'counted while tailing',
    );
    await visit(f.serve.httpPort, f.hostname, '/status/202');
    await eventually(() => events(tail).some((e) => e.status === 202), 5_000, 'the real event');
    assert.ok(!tail.stdout().includes('forged'));
    assert.equal(link.conn.closed, false);
    link.conn.destroy();
    await tail.stop('SIGINT');
  });

  test('a tail client that never reads does not stall visitor traffic: its events are dropped', async () => {
    const token = await managementToken(f.tunnelId);
    const sock = connect(f.serve.apiPort, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(
      [
        `GET /management/tunnels/${f.tunnelId}/logs HTTP/1.1`,
        `Host: 127.0.0.1:${f.serve.apiPort}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        `Authorization: Bearer ${token}`,
        '',
        '',
      ].join('\r\n'),
    );
    const [head] = (await once(sock, 'data')) as [Buffer];
    assert.match(String(head), /^HTTP\/1\.1 101/);
    // From here on the client reads nothing.
    sock.pause();
    await eventually(
      async () => (await metric(connectorMetrics, 'warren_tunnel_tail_sessions')) === 1,
      5_000,
      'session',
    );
    const longPath = `/status/200?${'q'.repeat(100)}`;
    const bigPath = `/${'p'.repeat(1500)}`;
    const started = Date.now();
    let done = 0;
    const worker = async (): Promise<void> => {
      while (done < 3000) {
        done++;
        const r = await visit(f.serve.httpPort, f.hostname, done % 2 === 0 ? longPath : bigPath);
        assert.ok(r.status === 200 || r.status === 404, String(r.status));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const elapsed = Date.now() - started;
    const dropped =
      (await metric(f.serve.apiBase, 'warren_edge_tail_events_dropped_total')) +
      (await metric(connectorMetrics, 'warren_tunnel_tail_events_dropped'));
    process.stdout.write(
      `# 3000 visitor requests with a stalled tail client: ${elapsed} ms; events dropped: ${dropped}\n`,
    );
    assert.ok(elapsed < 60_000, `${elapsed} ms`);
    assert.ok(dropped > 0, 'events were dropped, not queued');
    // A request still goes through at once.
    assert.equal((await visit(f.serve.httpPort, f.hostname, '/status/203')).status, 203);
    sock.destroy();
  });
});
