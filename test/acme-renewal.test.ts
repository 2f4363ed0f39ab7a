import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import { connect, type PeerCertificate, rootCertificates, type TLSSocket } from 'node:tls';
import * as acme from 'acme-client';
import { Registry } from 'prom-client';
import { AcmeIssuer, AcmeManager } from '../src/acme/index.js';
import { type DnsService, startDnsService } from '../src/dns/index.js';
import { EdgeCertificates, EdgeServer, QuickTunnelAuthority } from '../src/edge/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import { freePort } from './support/free-port.js';
import { type Pebble, startPebble } from './support/pebble.js';
import { selfSigned } from './support/self-signed.js';

const DAY = 86_400_000;
let pebble: Pebble;
let h: ControlHarness;
let clock: ManualClock;
let dns: DnsService;
let edge: EdgeServer;
let certs: EdgeCertificates;
let manager: AcmeManager;
let httpsPort: number;
let root: string;
let zoneId: string;

function handshake(name: string): Promise<{ socket: TLSSocket; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: httpsPort, servername: name, ca: root }, () =>
      resolve({ socket, cert: socket.getPeerCertificate() }),
    );
    socket.once('error', reject);
  });
}

async function served(name: string): Promise<PeerCertificate> {
  const { socket, cert } = await handshake(name);
  socket.end();
  return cert;
}

/** One HTTP/1.1 request on an open TLS socket; resolves with the status line. */
function statusLine(socket: TLSSocket, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    socket.setEncoding('utf8');
    const onData = (d: string): void => {
      buf += d;
      const end = buf.indexOf('\r\n');
      if (end >= 0) {
        socket.off('data', onData);
        resolve(buf.slice(0, end));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET / HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
  });
}

async function orders(): Promise<number> {
  return (await manager.metrics.orders.get()).values[0]?.value ?? 0;
}

before(async () => {
  clock = new ManualClock();
  h = await startControl(DIALECTS[0] as (typeof DIALECTS)[0], { clock });
  const httpPort = await freePort();
  const dnsPort = await freePort();
  pebble = await startPebble({ httpPort, dnsServer: `127.0.0.1:${dnsPort}` });
  // `warren serve` trusts pebble's throwaway listener through NODE_EXTRA_CA_CERTS (see
  // acme-pebble-serve.test.ts); in this process, acme-client's HTTP client is told directly.
  acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, pebble.listenerCa] });
  root = await pebble.root();
  dns = await startDnsService({
    store: h.store,
    domain: 'warren.localhost',
    bind: '127.0.0.1',
    port: dnsPort,
    addresses: { edge: ['127.0.0.1'], ns: ['127.0.0.1'] },
    logger: quietLogger,
  });
  const tls = await loadOrCreateEdgeTls({ dataDir: h.dataDir, hostnames: ['127.0.0.1'] });
  certs = new EdgeCertificates(h.store, undefined, quietLogger);
  await certs.start();
  edge = new EdgeServer({
    ...h.control.edgeHooks(),
    edgeName: 'test-edge',
    bind: '127.0.0.1',
    httpPort,
    tunnelPort: 0,
    tls: { cert: tls.certPem, key: tls.keyPem },
    https: { port: 0 },
    certificates: certs,
    acmeChallenge: (token) => h.store.acme.challenge(token),
    quick: await QuickTunnelAuthority.open(h.dataDir, 'warren.localhost'),
    logger: quietLogger,
  });
  httpsPort = (await edge.listen()).httpsPort as number;
  manager = new AcmeManager({
    store: h.store,
    issuer: new AcmeIssuer({ store: h.store, directoryUrl: pebble.directoryUrl, email: 'ops@example.com' }),
    logger: quietLogger,
    timers: clock,
    registry: new Registry(),
  });
  const z = await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'example.com' });
  zoneId = z.json.result.id;
});

after(async () => {
  await manager?.close();
  certs?.stop();
  await edge?.close(0);
  await dns?.close();
  await h?.close();
  await pebble?.stop();
});

/** A pass of the manager, then the SNI table rebuilt (the change feed would do it within 50 ms). */
async function passAndReload(): Promise<void> {
  await manager.pass();
  await certs.reload();
}

test('acme-renews-29-days-before-expiry-without-restart-and-in-flight-connections-keep-working', async () => {
  const tunnel = await h.call<{ id: string }>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'web' });
  const route = await h.call('PUT', `/zones/${zoneId}/tunnels/${tunnel.json.result.id}/routes`, {
    type: 'dns',
    user_hostname: 'app.example.com',
  });
  assert.equal(route.status, 200);
  await passAndReload();
  const first = await served('app.example.com');
  assert.match(String(first.issuer.CN), /Pebble/i);
  // Still valid for long: another pass orders nothing.
  const before = await orders();
  await passAndReload();
  assert.equal(await orders(), before);
  const inFlight = await handshake('app.example.com');
  await clock.advance(new Date(first.valid_to).getTime() - 29 * DAY - clock.now().getTime());
  await passAndReload();
  assert.equal(await orders(), before + 1, 'one renewal order');
  const renewed = await served('app.example.com');
  assert.notEqual(renewed.serialNumber, first.serialNumber, 'the renewed certificate is served at once');
  assert.match(String(renewed.issuer.CN), /Pebble/i);
  // The connection opened before the renewal keeps its certificate and still carries requests.
  assert.equal(inFlight.socket.getPeerCertificate().serialNumber, first.serialNumber);
  assert.match(await statusLine(inFlight.socket, 'app.example.com'), /^HTTP\/1\.1 \d{3} /);
  inFlight.socket.end();
});

test('acme-failed-name-backs-off-and-other-names-keep-their-certificates', async () => {
  const app = await h.call('POST', `/accounts/${h.accountId}/access/apps`, {
    domain: 'nodns.example.com',
    type: 'self_hosted',
  });
  assert.equal(app.status, 200);
  await passAndReload();
  const row1 = await h.store.acme.name('nodns.example.com');
  assert.equal(row1?.state, 'failed');
  assert.equal(row1?.failures, 1);
  assert.equal(new Date(row1?.next_attempt_at ?? 0).getTime(), clock.now().getTime() + 60_000);
  assert.match(row1?.last_error ?? '', /\S/);
  // Inside the backoff: not tried again (a try would count a failure or issue).
  await passAndReload();
  const still = await h.store.acme.name('nodns.example.com');
  assert.equal(still?.failures, 1);
  assert.equal(still?.next_attempt_at, row1?.next_attempt_at);
  await clock.advance(60_001);
  await passAndReload();
  const row2 = await h.store.acme.name('nodns.example.com');
  assert.equal(row2?.failures, 2);
  assert.equal(new Date(row2?.next_attempt_at ?? 0).getTime(), clock.now().getTime() + 120_000, 'the wait doubles');
  assert.match(String((await served('app.example.com')).issuer.CN), /Pebble/i);
});

test('custom-certificate-upload-wins-over-acme-and-delete-falls-back', async () => {
  const uploaded = selfSigned({ cn: 'uploaded', san: 'DNS:app.example.com,DNS:*.example.com', days: 3650 });
  const certificate = uploaded.cert;
  const privateKey = uploaded.key;
  const up = await h.call<{ id: string; hosts: string[] }>('POST', `/zones/${zoneId}/custom_certificates`, {
    certificate,
    private_key: privateKey,
  });
  assert.equal(up.status, 200, JSON.stringify(up.json.errors));
  assert.deepEqual(up.json.result.hosts, ['app.example.com', '*.example.com']);
  assert.equal(JSON.stringify(up.json).includes('PRIVATE KEY'), false, 'the key never comes back');
  await certs.reload();
  const uploadedCa = certificate;
  const pick = (name: string) =>
    new Promise<PeerCertificate>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: httpsPort, servername: name, ca: uploadedCa }, () => {
        resolve(s.getPeerCertificate());
        s.end();
      });
      s.once('error', reject);
    });
  assert.equal((await pick('app.example.com')).subject.CN, 'uploaded', 'custom wins over ACME');
  assert.equal((await pick('other.example.com')).subject.CN, 'uploaded', 'one-level wildcard');
  await assert.rejects(pick('a.b.example.com'), 'a wildcard covers one level only (and no fallback here)');
  const list = await h.call<unknown[]>('GET', `/zones/${zoneId}/custom_certificates`);
  assert.equal(list.json.result.length, 1);
  const other = await h.call('POST', `/zones/${zoneId}/custom_certificates`, {
    certificate,
    private_key: (await acme.crypto.createPrivateEcdsaKey()).toString(),
  });
  assert.equal(other.status, 400);
  assert.equal(other.json.errors[0]?.warren_code, 'WARREN_CUSTOM_CERT_INVALID');
  const foreignCert = selfSigned({ cn: 'foreign', san: 'DNS:app.example.com,DNS:bank.other.test', days: 3650 });
  const foreign = await h.call('POST', `/zones/${zoneId}/custom_certificates`, {
    certificate: foreignCert.cert,
    private_key: foreignCert.key,
  });
  assert.equal(foreign.status, 400, 'a name outside the zone is refused');
  assert.match(foreign.json.errors[0]?.message ?? '', /bank\.other\.test/);
  const del = await h.call('DELETE', `/zones/${zoneId}/custom_certificates/${up.json.result.id}`);
  assert.equal(del.status, 200);
  await certs.reload();
  assert.match(String((await served('app.example.com')).issuer.CN), /Pebble/i, 'back to the ACME certificate');
});

test('acme-200-hostnames-of-one-tenant-place-at-most-the-per-zone-limit-of-orders-per-hour', async () => {
  for (let i = 0; i < 200; i++) {
    const r = await h.call('POST', `/zones/${zoneId}/dns_records`, {
      type: 'A',
      name: `h${i}.example.com`,
      content: '192.0.2.1',
      proxied: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json.errors));
  }
  await clock.advance(3_600_001); // a fresh hour: earlier orders no longer count
  const start = await orders();
  await passAndReload();
  await passAndReload();
  const placed = (await orders()) - start;
  assert.ok(placed <= manager.limits.ordersPerZonePerHour, `${placed} orders in one hour`);
  assert.ok(placed >= manager.limits.ordersPerZonePerHour - 2, `${placed}: the limit, not a stall`);
  assert.ok(((await manager.metrics.deferred.get()).values[0]?.value ?? 0) > 0, 'the rest wait their turn');
});
