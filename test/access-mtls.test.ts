import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { createAccessVerifier } from '../src/verify/index.js';
import { eventually } from './support/eventually.js';
import { opensslCa, opensslClientCert, type TestClientCert } from './support/mtls-pki.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, tempDir } from './support/warren-processes.js';

const TEAM = 'mtls.access.warren.localhost';
const CURL_MAX_S = '10'; // seconds per curl: a hung handshake fails the test instead of hanging it

interface CurlAnswer {
  status: number;
  body: string;
  /** curl -v's trace: "Request CERT" is there when the server asked for a client certificate. */
  trace: string;
}

describe('Access mutual TLS: client certificates from an uploaded CA, end to end with curl', {
  timeout: 180_000,
}, () => {
  let f: NamedTunnelFixture;
  let origin: TestOrigin;
  let connector: Proc;
  let httpsPort = 0;
  let edgeCa = '';
  let otherAccount = '';
  let spareCa = '';
  const apps: Record<string, { id: string; aud: string }> = {};
  const certs: Record<string, TestClientCert> = {};
  const acc = (a: string, p: string) => `/accounts/${a}/access${p}`;

  const curl = (host: string, cert: TestClientCert | undefined, sni = host): Promise<CurlAnswer> =>
    new Promise((resolve, reject) => {
      const args = ['-sS', '-v', '--max-time', CURL_MAX_S, '--cacert', edgeCa];
      args.push('--resolve', `${sni}:${httpsPort}:127.0.0.1`, '-H', `host: ${host}`);
      if (cert !== undefined) args.push('--cert', cert.certPath, '--key', cert.keyPath);
      args.push('-w', '\n%{http_code}', `https://${sni}:${httpsPort}/echo`);
      execFile('curl', args, (err, stdout, stderr) => {
        if (err !== null && stdout === '') {
          reject(new Error(`curl failed: ${stderr}`));
          return;
        }
        const cut = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), trace: stderr });
      });
    });

  before(async () => {
    const dir = tempDir('warren-mtls-');
    const edge = await loadOrCreateEdgeTls({ dataDir: join(dir, 'edge'), hostnames: ['*.example.com'] });
    edgeCa = join(dir, 'visitor-ca.pem');
    writeFileSync(edgeCa, edge.caPem);
    writeFileSync(join(dir, 'visitor.crt'), edge.certPem);
    writeFileSync(join(dir, 'visitor.key'), edge.keyPem);
    const ours = await opensslCa(dir, 'our-ca');
    const theirs = await opensslCa(dir, 'their-ca');
    const stranger = await opensslCa(dir, 'stranger-ca');
    spareCa = (await opensslCa(dir, 'spare-ca')).pem;
    certs.device1 = await opensslClientCert(dir, 'device1', 'device-1', ours);
    certs.device2 = await opensslClientCert(dir, 'device2', 'device-2', ours);
    certs.theirs = await opensslClientCert(dir, 'theirs', 'device-1', theirs);
    certs.stranger = await opensslClientCert(dir, 'stranger', 'device-1', stranger);
    certs.selfSigned = await opensslClientCert(dir, 'self', 'device-1');
    // A CA named exactly as ours with another key: names alone must not pass.
    const forger = await opensslCa(dir, 'forger-ca', { cn: 'our-ca' });
    certs.forged = await opensslClientCert(dir, 'forged', 'device-1', forger);

    origin = await startTestOrigin();
    f = await startNamedTunnelFixture([
      '--https-port',
      '0',
      '--https-cert',
      join(dir, 'visitor.crt'),
      '--https-key',
      join(dir, 'visitor.key'),
    ]);
    httpsPort = Number((await f.serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
    for (const h of ['mtls.example.com', 'cn.example.com', 'plain.example.com', 'named.example.com']) {
      await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: h });
    }
    const a = f.accountId;
    await f.api('POST', acc(a, '/organizations'), { name: 'mTLS', auth_domain: TEAM });
    const up = await f.api<{ id: string }>('POST', acc(a, '/certificates'), {
      name: 'devices',
      certificate: ours.pem,
      associated_hostnames: ['named.example.com'],
    });
    assert.equal(up.success, true, JSON.stringify(up));
    // Another account's CA: a certificate it signed counts nowhere in this account.
    otherAccount = (await f.api<{ id: string }>('POST', '/accounts', { name: 'other' })).result.id;
    const theirsUp = await f.api('POST', acc(otherAccount, '/certificates'), { name: 'x', certificate: theirs.pem });
    assert.equal(theirsUp.success, true, JSON.stringify(theirsUp));
    const app = async (name: string, domain: string, policy: Record<string, unknown>) => {
      const created = (await f.api<{ id: string; aud: string }>('POST', acc(a, '/apps'), { name, domain })).result;
      await f.api('POST', acc(a, `/apps/${created.id}/policies`), { name: `${name} policy`, ...policy });
      apps[name] = created;
    };
    await app('mtls', 'mtls.example.com', { decision: 'non_identity', include: [{ certificate: {} }] });
    await app('cn', 'cn.example.com', {
      decision: 'non_identity',
      include: [{ certificate: {} }],
      require: [{ common_name: { common_name: 'device-2' } }],
    });
    connector = f.run(['--token', f.token, '--url', origin.url]);
    await untilConnectors(f, 1);
    await eventually(async () => (await curl('mtls.example.com', undefined)).status === 403, 10_000, 'gate loaded');
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await origin?.close();
  });

  test('mtls-device-with-account-ca-cert-passes-non-identity-policy: the JWT carries its common_name', async () => {
    const r = await curl('mtls.example.com', certs.device1);
    assert.equal(r.status, 200, r.body);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    const verifier = createAccessVerifier({
      teamDomain: TEAM,
      audience: apps.mtls?.aud as string,
      jwksUrl: `${f.serve.apiBase}/client/v4/accounts/${f.accountId}/access/certs`,
    });
    const claims = await verifier.verify(seen.headers['cf-access-jwt-assertion'] as string);
    assert.equal(claims.common_name, 'device-1');
    assert.equal(claims.sub, '');
    assert.equal(claims.email, undefined);
    assert.equal(seen.headers['cf-access-authenticated-user-email'], undefined);
    await eventually(
      async () => {
        const log = await f.api<{ connection: string; allowed: boolean; app_uid: string }[]>(
          'GET',
          acc(f.accountId, '/logs/access_requests'),
        );
        return log.result.some((e) => e.connection === 'mtls' && e.allowed && e.app_uid === apps.mtls?.id);
      },
      10_000,
      'the access request log shows the mTLS login',
    );
  });

  test('mtls-refuses-without-certificate: the 403 page, and the origin never sees the request', async () => {
    const before = origin.seen.length;
    const r = await curl('mtls.example.com', undefined);
    assert.equal(r.status, 403);
    assert.match(r.body, /client certificate/);
    assert.equal(origin.seen.length, before);
  });

  test('mtls-refuses-foreign-ca: a stranger CA, another account CA, a self-signed certificate, a CA named as ours', async () => {
    for (const which of ['stranger', 'theirs', 'selfSigned', 'forged'] as const) {
      const r = await curl('mtls.example.com', certs[which]);
      assert.equal(r.status, 403, `${which}: ${r.body}`);
      assert.match(r.body, /needs a valid client certificate/, which);
    }
  });

  test('mtls-common-name-rule: only the named device passes', async () => {
    const other = await curl('cn.example.com', certs.device1);
    assert.equal(other.status, 403);
    assert.match(other.body, /needs a valid client certificate/);
    const r = await curl('cn.example.com', certs.device2);
    assert.equal(r.status, 200, r.body);
    assert.doesNotMatch(r.body, /client certificate/, 'the origin answers');
  });

  test('mtls-edge-asks-per-sni: a certificate is requested on mTLS names only, and the SNI decides', async () => {
    assert.match((await curl('mtls.example.com', certs.device1)).trace, /Request CERT/);
    assert.match((await curl('named.example.com', undefined)).trace, /Request CERT/, 'an associated hostname');
    const plain = await curl('plain.example.com', certs.device1);
    assert.equal(plain.status, 200);
    assert.doesNotMatch(plain.trace, /Request CERT/);
    // A handshake for plain.example.com asks for no certificate, so one presented Host of the mTLS app has none.
    const fronted = await curl('mtls.example.com', certs.device1, 'plain.example.com');
    assert.equal(fronted.status, 403);
  });

  test('mtls-ca-delete-takes-effect: deleting the CA refuses its devices, on an open keep-alive connection too', async () => {
    const device = certs.device1 as TestClientCert;
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      ca: readFileSync(edgeCa),
      cert: readFileSync(device.certPath),
      key: readFileSync(device.keyPath),
    });
    const get = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: httpsPort, path: '/echo', servername: 'mtls.example.com', agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
          },
        );
        req.setHeader('host', 'mtls.example.com');
        req.on('error', reject);
        req.end();
      });
    try {
      assert.equal((await get()).status, 200);
      // The account keeps another CA: what changed is its list, not whether it has one.
      const spare = await f.api('POST', acc(f.accountId, '/certificates'), { name: 'spare', certificate: spareCa });
      assert.equal(spare.success, true, JSON.stringify(spare));
      const list = await f.api<{ id: string; name: string }[]>('GET', acc(f.accountId, '/certificates'));
      const id = list.result.find((c) => c.name === 'devices')?.id as string;
      const del = await f.api('DELETE', acc(f.accountId, `/certificates/${id}`));
      assert.equal(del.success, true);
      let last = { status: 0, reused: false };
      await eventually(
        async () => {
          last = await get();
          return last.status === 403;
        },
        10_000,
        'CA gone on the open connection',
      );
      assert.equal(last.reused, true, 'the refusal came on the connection that was admitted before');
      assert.equal((await curl('mtls.example.com', device)).status, 403, 'and on a new connection');
    } finally {
      agent.destroy();
    }
  });
});
