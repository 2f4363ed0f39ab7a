import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID, webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { strFromU8, unzipSync } from 'fflate';
import { isLoopbackPeer, LogRing, scrubSecrets } from '../src/connector/index.js';
import { runCli } from './support/cli-home.js';
import { eventually } from './support/eventually.js';
import { startNamedTunnelFixture } from './support/named-tunnel-fixture.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { tempDir } from './support/warren-processes.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A client certificate pair for an mTLS rule: its key must never reach the zip. */
async function clientPair(dir: string): Promise<{ certFile: string; keyFile: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=diag-client',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const certFile = join(dir, 'client.pem');
  const keyFile = join(dir, 'client-key.pem');
  writeFileSync(certFile, cert.toString('pem'));
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, keyPem };
}

test('tunnel-diag-zips-metrics-configuration-logs-and-system-facts-without-any-secret', {
  timeout: 60_000,
}, async () => {
  const origin = await startTestOrigin();
  const f = await startNamedTunnelFixture();
  const dir = tempDir('warren-diag-');
  const pair = await clientPair(dir);
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `credentials-file: ${f.credentialsFile}
ingress:
  - hostname: ${f.hostname}
    path: ^/locked
    service: ${origin.url}
    originRequest:
      access:
        required: true
        teamName: team.access.example.test
        audTag: [${'a'.repeat(64)}]
        jwksUrl: http://127.0.0.1:9/cdn-cgi/access/certs
  - hostname: mtls.example.com
    service: https://localhost:8443
    originRequest:
      tlsClientCert: ${pair.certFile}
      tlsClientKey: ${pair.keyFile}
  - service: ${origin.url}
`,
  );
  const connector = f.run(['--token', f.token, '--config', config, '--metrics', '127.0.0.1:0', '--tag', 'env=diag']);
  try {
    const [, metricsUrl] = await connector.waitFor(/Metrics server listening on (\S+)\/metrics/);
    await connector.waitFor(/Tunnel [0-9a-f-]{36} is connected/);
    await eventually(
      async () => ((await visit(f.serve.httpPort, f.hostname, '/echo')).status === 200 ? true : undefined),
      10_000,
    );
    const zipPath = join(dir, 'diag.zip');
    const metrics = (metricsUrl as string).replace('http://', '');
    const home = tempDir('warren-home-');
    const r = await runCli(home, ['tunnel', 'diag', '--metrics', metrics, '-o', zipPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote .*diag\.zip/);

    const raw = readFileSync(zipPath);
    const entries = unzipSync(new Uint8Array(raw));
    assert.deepEqual(Object.keys(entries).sort(), [
      'configuration.json',
      'logs.jsonl',
      'metrics.txt',
      'ready.json',
      'system.json',
      'versions.json',
    ]);
    const text = (name: string): string => strFromU8(entries[name] ?? new Uint8Array());
    const conf = JSON.parse(text('configuration.json')) as {
      tunnelId: string;
      tags: Record<string, string>;
      ingress: {
        rules: { hostname: string; originRequest: { access?: { teamName: string }; tlsClientKey?: string } }[];
      };
    };
    assert.equal(conf.tunnelId, f.tunnelId);
    assert.deepEqual(conf.tags, { env: 'diag' });
    assert.equal(conf.ingress.rules[0]?.originRequest.access?.teamName, 'team.access.example.test');
    assert.equal(conf.ingress.rules[1]?.originRequest.tlsClientKey, pair.keyFile);
    assert.match(text('metrics.txt'), /# TYPE /);
    assert.match(text('logs.jsonl'), /"msg"/);
    const system = JSON.parse(text('system.json')) as { versions: { node: string }; cpu: { count: number } };
    assert.equal(system.versions.node, process.version);
    assert.ok(system.cpu.count > 0);
    assert.match(text('versions.json'), /"warren"/);

    // Every byte of the zip and of every entry: no token, no tunnel secret (any encoding), no credentials, no key.
    const t = JSON.parse(Buffer.from(f.token, 'base64').toString('utf8')) as { s: string };
    const secret = Buffer.from(t.s, 'base64');
    const forbidden = [
      f.token,
      t.s,
      secret.toString('hex'),
      secret.toString('base64url'),
      // JSON.stringify of a Buffer: what a naive dump of the options would show.
      [...secret].join(','),
      readFileSync(f.credentialsFile, 'utf8'),
      ...pair.keyPem.split('\n').filter((l) => l.length > 20),
    ];
    const entryTexts = Object.keys(entries).map(text);
    // Also without whitespace: pretty-printed JSON splits a byte array over lines.
    const haystacks = [raw.toString('latin1'), ...entryTexts, ...entryTexts.map((e) => e.replace(/\s+/g, ''))];
    for (const [i, needle] of forbidden.entries()) {
      for (const h of haystacks) assert.ok(!h.includes(needle), `secret #${i} of the forbidden list is in the zip`);
    }
  } finally {
    await connector.stop();
    await f.serve.stop();
    await origin.close();
  }
});

test('tunnel-diag-without-a-connector-says-so-in-one-line', async () => {
  const home = tempDir('warren-home-');
  const r = await runCli(home, ['tunnel', 'diag', '--metrics', '127.0.0.1:9', '-o', join(home, 'x.zip')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no connector answers at http:\/\/127\.0\.0\.1:9 .*--metrics.*\[WARREN_DIAG_NO_CONNECTOR\]/);
});

test('the-diag-endpoints-answer-loopback-peers-only-and-scrub-secrets', () => {
  for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackPeer(a), a);
  for (const a of ['10.0.0.1', '192.0.2.1', '::ffff:192.0.2.1', '2001:db8::1', '::', undefined]) {
    assert.ok(!isLoopbackPeer(a), String(a));
  }
  const secret = randomUUID();
  assert.equal(scrubSecrets(`a ${secret} b ${secret}`, [secret, 'short']), 'a [REDACTED] b [REDACTED]');
});

test('the-log-ring-keeps-the-newest-lines-within-its-bounds', () => {
  const ring = new LogRing(3, 1_000);
  for (let i = 0; i < 10; i++) ring.push(`line ${i}\n`);
  assert.equal(ring.text(), 'line 7\nline 8\nline 9\n');
  const bytes = new LogRing(100, 50);
  for (let i = 0; i < 10; i++) bytes.push('x'.repeat(20));
  assert.ok(bytes.text().length <= 50 + 21);
  const huge = new LogRing();
  huge.push('y'.repeat(100_000));
  assert.ok(huge.text().length < 9_000);
});
