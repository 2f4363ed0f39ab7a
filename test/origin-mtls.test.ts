import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import { type ConnectorConfig, ingressOf, parseConfig } from '../src/connector/config/index.js';
import { loadOriginFiles, OriginProxy } from '../src/connector/index.js';
import type { Ingress } from '../src/connector/ingress/index.js';
import { WarrenError } from '../src/errors/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { startProxyHarness, visit } from './origin-harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const dir = mkdtempSync(join(tmpdir(), 'warren-mtls-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** The file's rules with the files they name read, as the connector applies them. */
async function applied(config: ConnectorConfig): Promise<Ingress> {
  const ingress = ingressOf(config);
  assert.ok(ingress);
  return loadOriginFiles(ingress);
}

async function selfSigned(cn: string): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

/** An https origin that requires a client certificate signed by (here: equal to) `clientCa`, and says whose it saw. */
async function mtlsOrigin(clientCa: string): Promise<{ port: number; caFile: string }> {
  const tls = await loadOrCreateEdgeTls({ dataDir: join(dir, 'origin-ca'), hostnames: [] });
  const caFile = join(dir, 'origin-ca.pem');
  writeFileSync(caFile, tls.caPem);
  const server: Server = createHttpsServer(
    { cert: tls.certPem, key: tls.keyPem, ca: clientCa, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(`hello ${peer.subject?.CN ?? '?'}\n`);
    },
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, caFile };
}

function configYaml(rules: string): string {
  return `tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\ningress:\n${rules}  - service: http_status:404\n`;
}

test('an-mtls-origin-is-served-only-to-a-rule-with-tlsClientCert-and-tlsClientKey', async () => {
  const client = await selfSigned('warren-connector');
  const certFile = join(dir, 'client.pem');
  const keyFile = join(dir, 'client-key.pem');
  writeFileSync(certFile, client.cert);
  writeFileSync(keyFile, client.key, { mode: 0o600 });
  const o = await mtlsOrigin(client.cert);
  const config = parseConfig(
    configYaml(
      `  - hostname: with.example.com
    service: https://localhost:${o.port}
    originRequest:
      caPool: ${o.caFile}
      tlsClientCert: ${certFile}
      tlsClientKey: ${keyFile}
  - hostname: without.example.com
    service: https://localhost:${o.port}
    originRequest:
      caPool: ${o.caFile}
`,
    ),
    'config.yml',
  );
  assert.deepEqual(config.warnings, []);
  const ingress = await applied(config);
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const proxy = new OriginProxy({ ingress, logger });
  const h = await startProxyHarness(proxy);
  cleanups.push(async () => {
    await h.close();
    proxy.close();
  });

  const ok = await visit(h, '/', { host: 'with.example.com' });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, 'hello warren-connector\n');

  const refused = await visit(h, '/', { host: 'without.example.com' });
  assert.equal(refused.status, 502);
  const ray = (JSON.parse(refused.body) as { ray_id: string }).ray_id;
  const logged = lines
    .map((l) => JSON.parse(l) as { rayId?: string; msg: string })
    .filter((l) => l.rayId === ray)
    .map((l) => l.msg)
    .join('\n');
  assert.match(logged, /tlsClientCert/);
  // The key never reaches the log.
  assert.ok(!lines.join('\n').includes(client.key.split('\n')[1] ?? 'unreachable'));
});

test('a-client-certificate-that-cannot-be-used-stops-the-connector-at-start-naming-the-file', async () => {
  const a = await selfSigned('a');
  const b = await selfSigned('b');
  const certA = join(dir, 'a.pem');
  const keyA = join(dir, 'a-key.pem');
  const keyB = join(dir, 'b-key.pem');
  const notPem = join(dir, 'not-pem.txt');
  const unreadable = join(dir, 'unreadable-key.pem');
  writeFileSync(certA, a.cert);
  writeFileSync(keyA, a.key);
  writeFileSync(keyB, b.key);
  writeFileSync(notPem, 'hello\n');
  writeFileSync(unreadable, a.key);
  chmodSync(unreadable, 0o000);
  const rule = (origin: string): string =>
    `  - hostname: app.example.com\n    service: https://localhost:8443\n    originRequest:\n${origin}`;
  const fails = async (origin: string, pattern: RegExp): Promise<void> => {
    const config = parseConfig(configYaml(rule(origin)), 'config.yml');
    await assert.rejects(
      () => applied(config),
      (err: unknown) => {
        assert.ok(err instanceof WarrenError);
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes('PRIVATE KEY-----\n'), 'no key material in the message');
        return true;
      },
    );
  };
  await fails(
    `      tlsClientCert: ${certA}\n      tlsClientKey: ${keyB}\n`,
    /b-key\.pem" is not the private key of tlsClientCert ".*a\.pem"/,
  );
  await fails(
    `      tlsClientCert: ${join(dir, 'missing.pem')}\n      tlsClientKey: ${keyA}\n`,
    /tlsClientCert ".*missing\.pem" cannot be read \(ENOENT: no such file\)/,
  );
  await fails(
    `      tlsClientCert: ${notPem}\n      tlsClientKey: ${keyA}\n`,
    /tlsClientCert ".*not-pem\.txt" holds no PEM certificate/,
  );
  await fails(
    `      tlsClientCert: ${certA}\n      tlsClientKey: ${notPem}\n`,
    /tlsClientKey ".*not-pem\.txt" holds no unencrypted PEM private key/,
  );
  await fails(`      tlsClientCert: ${certA}\n`, /sets tlsClientCert without tlsClientKey/);
  if (process.getuid?.() !== 0) {
    await fails(
      `      tlsClientCert: ${certA}\n      tlsClientKey: ${unreadable}\n`,
      /unreadable-key\.pem" cannot be read \(EACCES\)/,
    );
  }
  // The global originRequest is named as such, not as the first rule.
  const global = parseConfig(
    `originRequest:\n  tlsClientCert: ${certA}\n  tlsClientKey: ${keyB}\n${configYaml('')}`,
    'config.yml',
  );
  await assert.rejects(
    () => applied(global),
    /^.*ingress: originRequest.tlsClientKey ".*b-key\.pem" is not the private key/,
  );
  // A good pair is accepted.
  const good = parseConfig(
    configYaml(rule(`      tlsClientCert: ${certA}\n      tlsClientKey: ${keyA}\n`)),
    'config.yml',
  );
  assert.ok((await applied(good)).filesLoaded);
});
