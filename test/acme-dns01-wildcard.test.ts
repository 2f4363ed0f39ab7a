import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type Pebble, startPebble } from './support/pebble.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const run = promisify(execFile);

for (const dialect of DIALECTS) {
  describe(`ACME DNS-01 through warren's DNS: a wildcard from pebble (${dialect.name})`, { skip: dialect.skip }, () => {
    let pebble: Pebble;
    let serve: ServeHandle;
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let httpsPort = 0;
    let root = '';
    let rootPath = '';
    let zoneId = '';

    async function api<R>(method: string, path: string, body?: unknown): Promise<{ success: boolean; result: R }> {
      const res = await fetch(`${serve.apiBase}/client/v4${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as { success: boolean; result: R };
    }

    function served(name: string): Promise<PeerCertificate> {
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
      db = await dialect.fresh();
      const httpPort = await freePort();
      const dnsPort = await freePort();
      pebble = await startPebble({ httpPort, dnsServer: `127.0.0.1:${dnsPort}` });
      serve = await startServe({
        dataDir: db.dataDir,
        ports: { http: httpPort, tunnel: 0, api: 0 },
        args: [
          ...(db.databaseUrl === undefined ? [] : ['--database-url', db.databaseUrl]),
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
          NODE_EXTRA_CA_CERTS: pebble.listenerCaPath,
        },
      });
      httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
      root = await pebble.root();
      rootPath = join(tempDir(), 'pebble-root.pem');
      writeFileSync(rootPath, root);
      const accountId = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
      zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' })).result
        .id;
    });

    after(async () => {
      await serve?.stop();
      await pebble?.stop();
      await db?.drop();
    });

    test('acme-dns01-a-proxied-wildcard-gets-a-pebble-certificate-served-for-two-names', async () => {
      const started = Date.now();
      const r = await api('POST', `/zones/${zoneId}/dns_records`, {
        type: 'A',
        name: '*.example.com',
        content: '192.0.2.10',
        proxied: true,
      });
      assert.equal(r.success, true);
      const cert = await eventually(
        async () => {
          const c = await served('one.example.com');
          return /Pebble/i.test(String(c.issuer.CN)) ? c : undefined;
        },
        30_000,
        'a pebble certificate for one.example.com',
        200,
      );
      const seconds = (Date.now() - started) / 1000;
      assert.equal(cert.subjectaltname, 'DNS:*.example.com');
      const other = await served('two.example.com');
      assert.equal(other.fingerprint256, cert.fingerprint256, 'one wildcard certificate serves both names');
      for (const name of ['one.example.com', 'two.example.com']) {
        const { stdout } = await run('curl', [
          '-sS',
          '--cacert',
          rootPath,
          '--resolve',
          `${name}:${httpsPort}:127.0.0.1`,
          '-o',
          '/dev/null',
          '-w',
          '%{ssl_verify_result}',
          `https://${name}:${httpsPort}/`,
        ]);
        assert.equal(stdout, '0', `${name} verifies against the pebble root`);
      }
      // Only DNS-01 proves a wildcard: pebble asked warren's DNS for the TXT value.
      const metrics = await (await fetch(`${serve.apiBase}/metrics`)).text();
      assert.match(metrics, /warren_dns_queries_total\{type="TXT"\} [1-9]/, 'pebble asked warren for TXT');
      process.stdout.write(`# wildcard record to served certificate (${dialect.name}): ${seconds.toFixed(1)} s\n`);
      // The TXT value is gone once the order is done.
      const { stdout: txt } = await run('dig', [
        '+short',
        '-p',
        String(Number(serve.stdout().match(/dns\s+[^:]+:(\d+)/)?.[1])),
        '@127.0.0.1',
        'TXT',
        '_acme-challenge.example.com',
      ]);
      assert.equal(txt.trim(), '');
    });
  });
}
