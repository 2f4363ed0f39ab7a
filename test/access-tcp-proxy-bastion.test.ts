import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { proxyProtocolHeader } from '../src/connector/tcp/proxy-protocol.js';
import { freePort } from './support/free-port.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

interface Parsed {
  version: 'v1' | 'v2' | 'none';
  source: string;
  destination: string;
}

/** A PROXY protocol parser, written from haproxy's proxy-protocol.txt (not from warren's encoder). */
function parseProxy(buf: Buffer): { parsed: Parsed; used: number } | undefined {
  if (buf.subarray(0, 6).toString('latin1') === 'PROXY ') {
    const end = buf.indexOf('\r\n');
    if (end < 0) return undefined;
    const [, fam, src, dst, sport, dport] = buf.subarray(0, end).toString('latin1').split(' ');
    assert.ok(fam === 'TCP4' || fam === 'TCP6', `v1 family ${fam}`);
    return { parsed: { version: 'v1', source: `${src}:${sport}`, destination: `${dst}:${dport}` }, used: end + 2 };
  }
  if (buf.length >= 12 && buf.subarray(0, 12).equals(V2_SIGNATURE)) {
    if (buf.length < 16) return undefined;
    const len = buf.readUInt16BE(14);
    if (buf.length < 16 + len) return undefined;
    assert.equal(buf[12], 0x21, 'v2, PROXY command');
    const fam = buf[13];
    const a = buf.subarray(16, 16 + len);
    if (fam === 0x11) {
      const ip = (o: number) => [...a.subarray(o, o + 4)].join('.');
      return {
        parsed: {
          version: 'v2',
          source: `${ip(0)}:${a.readUInt16BE(8)}`,
          destination: `${ip(4)}:${a.readUInt16BE(10)}`,
        },
        used: 16 + len,
      };
    }
    assert.fail(`v2 family ${fam}`);
  }
  return { parsed: { version: 'none', source: '', destination: '' }, used: 0 };
}

/** Origin: answers with what the header said, then echoes the rest until the client ends. */
function proxyAwareOrigin(): Server {
  return createServer({ allowHalfOpen: true }, (s) => {
    let buf = Buffer.alloc(0);
    let headerDone = false;
    s.on('data', (c: Buffer) => {
      if (headerDone) {
        s.write(c);
        return;
      }
      buf = Buffer.concat([buf, c]);
      const r = parseProxy(buf);
      if (r === undefined) return;
      headerDone = true;
      s.write(`${JSON.stringify(r.parsed)}\n`);
      const rest = buf.subarray(r.used);
      if (rest.length > 0) s.write(rest);
    });
    s.on('end', () => s.end());
  });
}

describe('tcp:// origins: proxyProtocol v1/v2 and bastion mode with an allow-list', { timeout: 120_000 }, () => {
  let f: NamedTunnelFixture;
  let origin: Server;
  let other: Server;
  let connector: Proc;
  const procs: Proc[] = [];
  let originPort: number;
  let otherPort: number;

  before(async () => {
    origin = proxyAwareOrigin().listen(0, '127.0.0.1');
    other = proxyAwareOrigin().listen(0, '127.0.0.1');
    await Promise.all([once(origin, 'listening'), once(other, 'listening')]);
    originPort = (origin.address() as AddressInfo).port;
    otherPort = (other.address() as AddressInfo).port;
    f = await startNamedTunnelFixture();
    for (const h of ['v1.example.com', 'v2.example.com', 'bastion.example.com']) {
      await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: h });
    }
    const config = join(tempDir(), 'config.yml');
    writeFileSync(
      config,
      [
        'ingress:',
        '  - hostname: v1.example.com',
        `    service: tcp://127.0.0.1:${originPort}`,
        '    originRequest: { proxyProtocol: v1 }',
        '  - hostname: v2.example.com',
        `    service: tcp://127.0.0.1:${originPort}`,
        '    originRequest: { proxyProtocol: v2 }',
        '  - hostname: bastion.example.com',
        `    service: tcp://127.0.0.1:${originPort}`,
        `    originRequest: { bastionMode: true, bastionDestinations: ["127.0.0.1:${originPort}"] }`,
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
    other?.close();
  });

  async function forward(hostname: string, extra: string[] = []): Promise<{ proc: Proc; port: number }> {
    const port = await freePort();
    const proc = startCli([
      'access',
      'tcp',
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
  }

  /** Sends `body`, ends, and returns everything the session answered. */
  async function exchange(port: number, body: string): Promise<string> {
    const s: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(s, 'connect');
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.end(body);
    await once(s, 'close');
    return Buffer.concat(chunks).toString();
  }

  for (const version of ['v1', 'v2'] as const) {
    test(`proxyProtocol: ${version} gives the origin the visitor's address before the visitor's bytes`, async () => {
      const { port } = await forward(`${version}.example.com`);
      const answer = await exchange(port, 'hello through the tunnel');
      const [first, ...rest] = answer.split('\n');
      assert.deepEqual(JSON.parse(first ?? ''), {
        version,
        source: '127.0.0.1:0',
        destination: `127.0.0.1:${originPort}`,
      });
      assert.equal(rest.join('\n'), 'hello through the tunnel');
    });
  }

  test('without proxyProtocol the origin gets the bytes alone', async () => {
    const { port } = await forward('bastion.example.com', ['--destination', `127.0.0.1:${originPort}`]);
    const answer = await exchange(port, 'PLAIN bytes');
    assert.equal(answer, `${JSON.stringify({ version: 'none', source: '', destination: '' })}\nPLAIN bytes`);
  });

  test('a bastion destination off the allow-list is refused with one line, and never dialled', async () => {
    let dialled = 0;
    other.on('connection', () => {
      dialled++;
    });
    const ssh = startCli([
      'access',
      'ssh',
      '--hostname',
      'bastion.example.com',
      '--edge',
      `http://127.0.0.1:${f.serve.httpPort}`,
      '--destination',
      `127.0.0.1:${otherPort}`,
    ]);
    procs.push(ssh);
    assert.notEqual(await ssh.exited, 0);
    const lines = ssh.stderr().trim().split('\n');
    assert.equal(lines.length, 1, ssh.stderr());
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `bastion\\.example\\.com refused the TCP session: the bastion destination "127\\.0\\.0\\.1:${otherPort}" is not in this rule's bastionDestinations`,
      ),
    );
    assert.equal(dialled, 0);
  });

  test('a bastion rule without --destination says how to name one', async () => {
    const ssh = startCli([
      'access',
      'ssh',
      '--hostname',
      'bastion.example.com',
      '--edge',
      `http://127.0.0.1:${f.serve.httpPort}`,
    ]);
    procs.push(ssh);
    assert.notEqual(await ssh.exited, 0);
    assert.match(ssh.stderr(), /is a bastion: name the destination with `warren access tcp --destination HOST:PORT`/);
  });

  test('the encoder maps a mixed IPv4/IPv6 pair to TCP6 and an unknown source to UNKNOWN / LOCAL', () => {
    assert.equal(
      proxyProtocolHeader('v1', { address: '203.0.113.7', port: 0 }, { address: '::1', port: 22 }).toString(),
      'PROXY TCP6 ::ffff:203.0.113.7 ::1 0 22\r\n',
    );
    const v2 = proxyProtocolHeader('v2', { address: '2001:db8::5', port: 1 }, { address: '10.0.0.1', port: 22 });
    assert.equal(v2[13], 0x21);
    assert.equal(v2.readUInt16BE(14), 36);
    assert.equal(v2.subarray(16, 32).toString('hex'), '20010db8000000000000000000000005');
    assert.equal(v2.subarray(32, 48).toString('hex'), '00000000000000000000ffff0a000001');
    assert.equal(proxyProtocolHeader('v1', undefined, { address: '::1', port: 22 }).toString(), 'PROXY UNKNOWN\r\n');
    assert.equal(proxyProtocolHeader('v2', undefined, { address: '::1', port: 22 })[12], 0x20);
  });
});
