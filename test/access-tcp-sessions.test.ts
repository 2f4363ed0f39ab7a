import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type Proc, startCli, startServe, tempDir } from './support/warren-processes.js';

const UDP_HOST = 'udp.example.com';

interface TailEvent {
  event: string;
  host: string;
  status: number;
  message: string;
}

function events(p: Proc): TailEvent[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TailEvent);
}

/** Sends `body` on a fresh local connection, ends it, and resolves with everything answered. */
async function exchange(port: number, body: string): Promise<string> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  s.on('error', () => undefined);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.end(body);
  await once(s, 'close');
  return Buffer.concat(chunks).toString();
}

describe('TCP and UDP sessions: warren tail shows them; the client reconnects after restarts', {
  timeout: 180_000,
}, () => {
  let f: NamedTunnelFixture;
  let origin: Server;
  let udpEcho: UdpSocket;
  let config: string;
  let connector: Proc;
  const procs: Proc[] = [];

  const forward = async (command: 'tcp' | 'udp', hostname: string, extra: string[] = []) => {
    const port = await freePort();
    const proc = startCli([
      'access',
      command,
      '--hostname',
      hostname,
      '--url',
      `127.0.0.1:${port}`,
      '--edge',
      `http://127.0.0.1:${f.serve.httpPort}`,
      ...extra,
    ]);
    procs.push(proc);
    await proc.waitFor(/listening on/, { from: 'stderr' });
    return { proc, port };
  };

  before(async () => {
    origin = createServer({ allowHalfOpen: true }, (s) => {
      s.pipe(s);
    }).listen(0, '127.0.0.1');
    udpEcho = createSocket('udp4');
    udpEcho.on('message', (m, peer) => udpEcho.send(m, peer.port, peer.address));
    udpEcho.bind(0, '127.0.0.1');
    await Promise.all([once(origin, 'listening'), once(udpEcho, 'listening')]);
    f = await startNamedTunnelFixture();
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: UDP_HOST });
    config = join(tempDir(), 'config.yml');
    writeFileSync(
      config,
      [
        'ingress:',
        `  - hostname: ${f.hostname}`,
        `    service: tcp://127.0.0.1:${(origin.address() as AddressInfo).port}`,
        `  - hostname: ${UDP_HOST}`,
        `    service: udp://127.0.0.1:${udpEcho.address().port}`,
        '  - service: http_status:404',
        '',
      ].join('\n'),
    );
    connector = f.run(['--token', f.token, '--config', config]);
    await untilConnectors(f, 1);
  });
  after(async () => {
    for (const p of procs) await p.stop();
    await connector?.stop();
    await f?.serve.stop();
    origin?.close();
    udpEcho?.close();
  });

  test('warren tail shows a TCP session open (101) and its close with bytes and reason, and a UDP flow', async () => {
    const tail = startCli(['tail', 'web', '--api', f.serve.apiBase, '--api-token', ADMIN_TOKEN, '--output', 'json']);
    procs.push(tail);
    await tail.waitFor(/connector \S+ is streaming/, { from: 'stderr' });
    const tcp = await forward('tcp', f.hostname);
    assert.equal(await exchange(tcp.port, 'hello'), 'hello');
    await eventually(
      () =>
        events(tail).some((e) =>
          /^tcp session closed \(client closed\): 5 bytes to origin, 5 from origin, \d+ ms$/.test(e.message),
        ),
      10_000,
      `the close event (have ${tail.stdout()})`,
    );
    const opened = events(tail).find((e) => e.status === 101);
    assert.equal(opened?.event, 'tcp');
    assert.match(opened?.host ?? '', /^app\.example\.com(:\d+)?$/);

    const udp = await forward('udp', UDP_HOST, ['--idle-timeout', '1s']);
    const client = createSocket('udp4');
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    try {
      client.send('one', udp.port, '127.0.0.1');
      await once(client, 'message');
    } finally {
      client.close();
    }
    await eventually(
      () =>
        events(tail).some((e) =>
          /^udp session closed \(client closed\): 1 datagrams to origin, 1 from origin, \d+ ms$/.test(e.message),
        ),
      10_000,
      `the UDP flow's close event (have ${tail.stdout()})`,
    );
  });

  test('after the connector and then the edge restart, new local connections get new sessions', async () => {
    const { proc, port } = await forward('tcp', f.hostname);
    assert.equal(await exchange(port, 'before'), 'before');

    await connector.stop();
    connector = f.run(['--token', f.token, '--config', config]);
    await connector.waitFor(/registered tunnel connection/, { from: 'stderr' });
    assert.equal(await exchange(port, 'after the connector restarted'), 'after the connector restarted');

    const { dataDir, httpPort, tunnelPort, apiPort } = f.serve;
    await f.serve.stop('SIGKILL');
    // While the edge is down, a local connection is closed with one line, and the listener stays up.
    assert.equal(await exchange(port, 'nobody there'), '');
    await proc.waitFor(/warren: cannot reach http:\/\/127\.0\.0\.1:\d+: .*\[WARREN_ACCESS_UNREACHABLE\]/, {
      from: 'stderr',
    });
    f.serve = await startServe({ dataDir, ports: { http: httpPort, tunnel: tunnelPort, api: apiPort } });
    const registered = connector.stderr().split('registered tunnel connection').length;
    await eventually(
      () => connector.stderr().split('registered tunnel connection').length > registered,
      20_000,
      'the connector registers with the restarted edge',
    );
    assert.equal(await exchange(port, 'after the edge restarted'), 'after the edge restarted');
    assert.equal(proc.child.exitCode, null, 'warren access tcp kept running');
  });
});
