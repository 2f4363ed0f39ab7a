import 'reflect-metadata';
import assert from 'node:assert/strict';
import { KeyObject, webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { runCli } from './support/cli-home.js';
import { ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { startNamedTunnelFixture } from './support/named-tunnel-fixture.js';
import { visit } from './support/visit.js';
import { startCli, tempDir } from './support/warren-processes.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

test('an-https-origin-with-a-warren-origin-certificate-is-trusted-after-login-without-a-capool', async () => {
  const f = await startNamedTunnelFixture();
  const home = tempDir('warren-home-');
  const stops: (() => Promise<unknown>)[] = [() => f.serve.stop()];
  try {
    const login = await runCli(home, [
      'login',
      '--api',
      f.serve.apiBase,
      '--api-token',
      ADMIN_TOKEN,
      '--zone',
      'example.com',
    ]);
    assert.equal(login.code, 0, login.stderr);
    const rootPath = join(home, '.warren', 'origin-ca-root.pem');
    assert.ok(existsSync(rootPath));

    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=origin', keys, signingAlgorithm: alg });
    const issued = await f.api<{ certificate: string }>('POST', '/certificates', {
      csr: csr.toString('pem'),
      hostnames: ['origin.example.com'],
      request_type: 'origin-ecc',
    });
    assert.equal(issued.success, true);
    const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
    const origin = createServer({ key, cert: issued.result.certificate }, (_req, res) => res.end('secure hello\n'));
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    stops.push(async () => origin.close());
    const port = (origin.address() as AddressInfo).port;
    // The certificate names origin.example.com; the origin listens on 127.0.0.1.
    mkdirSync(join(home, '.warren'), { recursive: true });
    writeFileSync(join(home, '.warren', 'config.yml'), 'origin-server-name: origin.example.com\n');

    const run = async (): Promise<{ host: string; logs: () => string }> => {
      const t = startCli(
        [
          'tunnel',
          '--url',
          `https://127.0.0.1:${port}`,
          '--edge',
          `127.0.0.1:${f.serve.tunnelPort}`,
          '--edge-ca',
          f.serve.caPath,
          '--ha-connections',
          '1',
        ],
        { env: { HOME: home } },
      );
      stops.push(() => t.stop());
      const [, host] = await t.waitFor(/quick tunnel is ready: http:\/\/([^:/\s]+)/);
      return { host: host as string, logs: () => `${t.stdout()}${t.stderr()}` };
    };
    const { host: trusted } = await run();
    const ok = await visit(f.serve.httpPort, trusted, '/');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.text, 'secure hello\n');

    // Without the root (no login on this machine), the same origin is refused with a clear reason.
    rmSync(rootPath);
    const untrusted = await run();
    const refused = await visit(f.serve.httpPort, untrusted.host, '/', { headers: { accept: 'application/json' } });
    assert.equal(refused.status, 502);
    // The visitor gets the Ray ID; the reason is in the connector's log under it.
    const ray = String(refused.headers['cf-ray']);
    const line = await eventually(
      () =>
        untrusted
          .logs()
          .split('\n')
          .find((l) => l.includes(ray)),
      5_000,
      'a connector log line with the Ray ID',
    );
    assert.match(line ?? '', /not trusted.*caPool/);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
});
