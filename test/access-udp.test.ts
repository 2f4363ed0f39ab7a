import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const ECHO_HOST = 'echo.example.com';
const ECHO_IDLE_S = 3;

/**
 * UDP through the tunnel: `warren access udp` on the client, a `udp://` rule on the connector.
 * The origins are warren's own DNS port (answered with dig) and a node dgram echo server.
 */
describe('warren access udp: dig, a 10 000-datagram echo, idle flows', { timeout: 180_000 }, () => {
  let f: NamedTunnelFixture;
  let echo: UdpSocket;
  let connector: Proc;
  const forwarders: Proc[] = [];

  async function forward(hostname: string, extra: string[] = []): Promise<{ proc: Proc; port: number }> {
    const port = await freePort();
    const proc = startCli([
      'access',
      'udp',
      '--hostname',
      hostname,
      '--url',
      `127.0.0.1:${port}`,
      '--edge',
      `http://127.0.0.1:${f.serve.httpPort}`,
      ...extra,
    ]);
    forwarders.push(proc);
    await proc.waitFor(/listening on \S+\/udp/, { from: 'stderr' });
    return { proc, port };
  }

  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (msg, peer) => echo.send(msg, peer.port, peer.address));
    echo.bind(0, '127.0.0.1');
    await once(echo, 'listening');
    f = await startNamedTunnelFixture(['--dns-port', '0']);
    const dnsPort = Number((await f.serve.waitFor(/dns\s+\S+:(\d+) \(UDP and TCP\)/))[1]);
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: ECHO_HOST });
    const config = join(tempDir(), 'config.yml');
    writeFileSync(
      config,
      [
        'ingress:',
        `  - hostname: ${f.hostname}`,
        `    service: udp://127.0.0.1:${dnsPort}`,
        `  - hostname: ${ECHO_HOST}`,
        `    service: udp://127.0.0.1:${echo.address().port}`,
        '    originRequest:',
        `      udpIdleTimeout: ${ECHO_IDLE_S}s`,
        '  - service: http_status:404',
        '',
      ].join('\n'),
    );
    connector = f.run(['--token', f.token, '--config', config]);
    await untilConnectors(f, 1);
  });
  after(async () => {
    for (const p of forwarders) await p.stop();
    await connector?.stop();
    await f?.serve.stop();
    echo?.close();
  });

  test("dig through `warren access udp` gets warren's DNS answer for every one of 200 queries", async () => {
    const { port } = await forward(f.hostname);
    // One try each, 5 s: a flow's first datagram waits for its session to open, which took over
    // dig's default 2 s once while the shared machine ran at a load average of 20.
    let answered = 0;
    for (let i = 0; i < 200; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => dig(port, ['example.com', 'SOA', '+time=5'])));
      for (const r of batch) {
        assert.equal(r.status, 'NOERROR', r.raw);
        assert.match(r.answer[0] ?? '', /^example\.com\. \d+ IN SOA /);
        answered++;
      }
    }
    assert.equal(answered, 200);
  });

  test('10 000 datagrams echo through one flow with none lost (a window of 64 in flight)', async () => {
    const { port } = await forward(ECHO_HOST);
    const client = createSocket('udp4');
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    const TOTAL = 10_000;
    const WINDOW = 64;
    const seen = new Set<number>();
    let sent = 0;
    const pump = (): void => {
      while (sent < TOTAL && sent - seen.size < WINDOW) {
        const d = Buffer.alloc(200, sent & 0xff);
        d.writeUInt32BE(sent, 0);
        client.send(d, port, '127.0.0.1');
        sent++;
      }
    };
    client.on('message', (msg: Buffer) => {
      assert.equal(msg.length, 200);
      seen.add(msg.readUInt32BE(0));
      pump();
    });
    pump();
    try {
      await eventually(() => seen.size === TOTAL, 60_000, `${TOTAL} echoes (have ${seen.size}, sent ${sent})`);
    } finally {
      client.close();
    }
    assert.equal(seen.size, TOTAL);
  });

  test("an idle flow is closed by the client's timeout, and the connector closes its end", async () => {
    const { proc, port } = await forward(f.hostname, ['--idle-timeout', '1s']);
    const before = (connector.stderr() + connector.stdout()).split('udp session closed (client closed)').length;
    const r = await dig(port, ['example.com', 'SOA', '+time=5']);
    assert.equal(r.status, 'NOERROR');
    await proc.waitFor(/udp flow 127\.0\.0\.1:\d+ closed \(idle 1 s\): 1 datagrams sent, 1 received/, {
      from: 'stderr',
    });
    await eventually(
      () => (connector.stderr() + connector.stdout()).split('udp session closed (client closed)').length > before,
      10_000,
      'the connector closes the flow the client closed',
    );
  });

  test("an idle flow is closed by the connector's udpIdleTimeout, and the client forgets it", async () => {
    const { proc, port } = await forward(ECHO_HOST);
    const client = createSocket('udp4');
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    try {
      client.send('ping', port, '127.0.0.1');
      const [reply] = (await once(client, 'message')) as [Buffer];
      assert.equal(reply.toString(), 'ping');
      await eventually(
        () => (connector.stderr() + connector.stdout()).includes(`udp session closed (idle ${ECHO_IDLE_S} s)`),
        ECHO_IDLE_S * 1000 + 10_000,
        'the connector closes the idle flow',
      );
      await proc.waitFor(/udp flow 127\.0\.0\.1:\d+ closed \(closed by the connector\): 1 datagrams sent, 1 received/, {
        from: 'stderr',
      });
      // A new datagram from the same client opens a new flow and is answered.
      client.send('again', port, '127.0.0.1');
      const [again] = (await once(client, 'message')) as [Buffer];
      assert.equal(again.toString(), 'again');
    } finally {
      client.close();
    }
  });
});
