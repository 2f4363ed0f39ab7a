import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type Pebble, startPebble } from './support/pebble.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const run = promisify(execFile);
const ADMIN_PASSWORD = 'pebble-test-password-1';
const DASH = 'dash.warren.localhost';

let pebble: Pebble;
let serve: ServeHandle;
let httpsPort: number;
let rootPath: string;
let root: string;
let accountId: string;
let zoneId: string;

const api = apiClient(() => serve.apiBase);

/** The certificate served for `name` on the HTTPS port, verified against pebble's root. */
function servedCertificate(name: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: httpsPort, servername: name, ca: root }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve(cert);
    });
    s.on('error', reject);
  });
}

before(async () => {
  const httpPort = await freePort();
  const dnsPort = await freePort();
  pebble = await startPebble({ httpPort, dnsServer: `127.0.0.1:${dnsPort}` });
  serve = await startServe({
    ports: { http: httpPort, tunnel: 0, api: 0 },
    args: [
      '--https-port',
      '0',
      '--dns-port',
      String(dnsPort),
      '--edge-address',
      '127.0.0.1',
      '--acme-email',
      'ops@example.com',
      '--acme-directory',
      pebble.directoryUrl,
    ],
    env: {
      WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
      WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
      WARREN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      NODE_EXTRA_CA_CERTS: pebble.listenerCaPath,
    },
  });
  httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
  root = await pebble.root();
  rootPath = join(tempDir(), 'pebble-root.pem');
  writeFileSync(rootPath, root);
  accountId = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
  zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' })).result.id;
});

after(async () => {
  await serve?.stop();
  await pebble?.stop();
});

test('serve-acme-a-routed-hostname-serves-a-pebble-certificate-to-curl-within-seconds', async () => {
  const tunnelId = (await api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'web' })).result.id;
  const routed = Date.now();
  const r = await api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, {
    type: 'dns',
    user_hostname: 'app.example.com',
  });
  assert.equal(r.success, true);
  const out = await eventually(
    async () => {
      const { stdout } = await run('curl', [
        '-sS',
        '--cacert',
        rootPath,
        '--resolve',
        `app.example.com:${httpsPort}:127.0.0.1`,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{ssl_verify_result}',
        `https://app.example.com:${httpsPort}/`,
      ]);
      return stdout;
    },
    20_000,
    'curl over HTTPS with the pebble root',
    200,
  );
  const seconds = (Date.now() - routed) / 1000;
  // No connector runs: the edge answers (over verified TLS) that the tunnel is down.
  assert.match(out, / 0$/, 'the certificate verified against the pebble root');
  const cert = await servedCertificate('app.example.com');
  assert.match(String(cert.issuer.CN), /Pebble/i);
  assert.equal(cert.subjectaltname, 'DNS:app.example.com');
  process.stdout.write(`# route to verified HTTPS: ${seconds.toFixed(1)} s\n`);
  assert.ok(seconds < 20);
});

test('serve-acme-a-name-without-dns-fails-visibly-and-others-are-unaffected', async () => {
  // An Access app for a name no DNS record points at warren: pebble's lookup gets NXDOMAIN.
  const app = await api<{ id: string }>('POST', `/accounts/${accountId}/access/apps`, {
    domain: 'nodns.example.com',
    type: 'self_hosted',
  });
  assert.equal(app.success, true);
  await serve.waitFor(/acme: certificate order failed/, { from: 'stderr', timeoutMs: 20_000 });
  assert.match(serve.stderr(), /nodns\.example\.com/);
  const logs = await eventually(async () => {
    const l = await api<{ action: { type: string; result: boolean }; metadata: Record<string, unknown> }[]>(
      'GET',
      `/accounts/${accountId}/audit_logs?per_page=100`,
    );
    return l.result.find((e) => e.action.type === 'acme_certificate_fail');
  });
  assert.equal(logs.action.result, false);
  assert.equal(logs.metadata.hostname, 'nodns.example.com');
  assert.match(String(logs.metadata.reason), /\S/);
  assert.equal(logs.metadata.failures, 1);
  const metrics = await (await fetch(`${serve.apiBase}/metrics`)).text();
  assert.match(metrics, /warren_acme_failures_total [1-9]/);
  // The routed name keeps its certificate.
  const cert = await servedCertificate('app.example.com');
  assert.match(String(cert.issuer.CN), /Pebble/i);
});

test('serve-acme-dash-on-the-https-port-answers-the-api-with-a-pebble-certificate-and-secure-cookies', async () => {
  const cert = await eventually(
    async () => {
      const c = await servedCertificate(DASH);
      return /Pebble/i.test(String(c.issuer.CN)) ? c : undefined;
    },
    20_000,
    `a pebble certificate for ${DASH}`,
    200,
  );
  assert.equal(cert.subjectaltname, `DNS:${DASH}`);
  // warren's other own names are wildcards, issued by DNS-01 through its DNS.
  for (const [name, san] of [
    ['abc-def.quick.warren.localhost', 'DNS:*.quick.warren.localhost'],
    ['team.access.warren.localhost', 'DNS:*.access.warren.localhost'],
  ] as const) {
    const own = await eventually(
      async () => {
        const c = await servedCertificate(name);
        return /Pebble/i.test(String(c.issuer.CN)) ? c : undefined;
      },
      20_000,
      `a pebble certificate for ${name}`,
      200,
    );
    assert.equal(own.subjectaltname, san);
  }
  const base = `https://${DASH}:${httpsPort}`;
  const tls = ['--cacert', rootPath, '--resolve', `${DASH}:${httpsPort}:127.0.0.1`];
  for (const http of ['--http1.1', '--http2']) {
    const { stdout } = await run('curl', [
      '-sS',
      http,
      ...tls,
      '-H',
      `authorization: Bearer ${ADMIN_TOKEN}`,
      `${base}/client/v4/user/tokens/verify`,
    ]);
    assert.equal((JSON.parse(stdout) as { success: boolean }).success, true, `the API over ${http}`);
  }
  const ui = await run('curl', ['-sS', ...tls, '-o', '/dev/null', '-w', '%{http_code}', `${base}/`]);
  assert.equal(ui.stdout, '200', 'the dashboard UI at /');
  const signIn = await run('curl', [
    '-sS',
    ...tls,
    '-D',
    '-',
    '-o',
    '/dev/null',
    '-H',
    'content-type: application/json',
    '-H',
    `origin: ${base}`,
    '--data',
    JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    `${base}/client/v4/user/sessions`,
  ]);
  assert.match(signIn.stdout, /^HTTP\/\S+ 200/);
  assert.match(
    signIn.stdout,
    /\r\nset-cookie: warren_session=[^\r]*; Secure/i,
    'the session cookie is Secure over TLS',
  );
  // The API port (plain HTTP, for loopback and scripts) stays as it was.
  const plain = await fetch(`${serve.apiBase}/client/v4/user/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: serve.apiBase },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  assert.equal(plain.status, 200);
  assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /Secure/);
});
