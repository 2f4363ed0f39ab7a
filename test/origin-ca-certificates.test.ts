import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { ControlPlane } from '../src/control/index.js';
import { Store } from '../src/store/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface CertResult {
  id: string;
  certificate: string;
  hostnames: string[];
  request_type: string;
  requested_validity: number;
  expires_on: string;
  revoked_at: string | null;
}

async function csr(kind: 'rsa' | 'ecdsa'): Promise<string> {
  const alg =
    kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=origin', keys, signingAlgorithm: alg });
  return req.toString('pem');
}

for (const dialect of DIALECTS) {
  describe(`origin CA on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let zoneId: string;
    before(async () => {
      h = await startControl(dialect);
      zoneId = (await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'example.com' }))
        .json.result.id;
    });
    after(async () => h?.close());

    test('issues certificates from RSA and ECDSA CSRs, signed by the downloadable root, with exactly the requested SANs', async () => {
      const rootRes = await h.app.inject({ method: 'GET', url: '/client/v4/certificates/origin_ca_root.pem' });
      assert.equal(rootRes.statusCode, 200);
      const root = new X509Certificate(rootRes.body);
      assert.ok(root.ca);
      for (const [kind, type] of [
        ['rsa', 'origin-rsa'],
        ['ecdsa', 'origin-ecc'],
      ] as const) {
        const r = await h.call<CertResult>('POST', '/certificates', {
          csr: await csr(kind),
          hostnames: ['example.com', '*.example.com', 'deep.sub.example.com'],
          request_type: type,
          requested_validity: 30,
        });
        assert.equal(r.status, 200, JSON.stringify(r.json.errors));
        const cert = new X509Certificate(r.json.result.certificate);
        assert.equal(cert.subjectAltName, 'DNS:example.com, DNS:*.example.com, DNS:deep.sub.example.com');
        assert.ok(cert.verify(root.publicKey));
        assert.equal(cert.publicKey.asymmetricKeyType, kind === 'rsa' ? 'rsa' : 'ec');
        const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
        assert.ok(days > 29 && days <= 30.1, `valid for 30 days, not ${days}`);
        assert.equal(r.json.result.request_type, type);
      }
    });

    test('wildcards are one leading label only; names outside your zones and mismatched key types are refused', async () => {
      const ecdsa = await csr('ecdsa');
      for (const name of ['*.*.example.com', 'a.*.example.com', 'a*.example.com', '*']) {
        const r = await h.call('POST', '/certificates', { csr: ecdsa, hostnames: [name], request_type: 'origin-ecc' });
        assert.equal(r.status, 400, name);
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_CERT_HOSTNAME', name);
        assert.match(r.json.errors[0]?.message ?? '', /one level/);
      }
      const foreign = await h.call('POST', '/certificates', {
        csr: ecdsa,
        hostnames: ['app.other.org'],
        request_type: 'origin-ecc',
      });
      assert.equal(foreign.json.errors[0]?.warren_code, 'WARREN_CERT_HOSTNAME');
      const mismatch = await h.call('POST', '/certificates', {
        csr: ecdsa,
        hostnames: ['a.example.com'],
        request_type: 'origin-rsa',
      });
      assert.equal(mismatch.json.errors[0]?.warren_code, 'WARREN_CSR_INVALID');
      assert.match(mismatch.json.errors[0]?.message ?? '', /send request_type "origin-ecc"/);
      const garbage = await h.call('POST', '/certificates', {
        csr: 'not a csr',
        hostnames: ['a.example.com'],
        request_type: 'origin-ecc',
      });
      assert.equal(garbage.json.errors[0]?.warren_code, 'WARREN_CSR_INVALID');
    });

    test('revoking keeps the certificate listed with revoked_at; issue and revoke are audited', async () => {
      const issued = await h.call<CertResult>('POST', '/certificates', {
        csr: await csr('ecdsa'),
        hostnames: ['svc.example.com'],
        request_type: 'origin-ecc',
      });
      const id = issued.json.result.id;
      assert.equal(issued.json.result.requested_validity, 5475);
      const del = await h.call<{ id: string; revoked_at: string }>('DELETE', `/certificates/${id}`);
      assert.equal(del.status, 200);
      assert.ok(del.json.result.revoked_at);
      const got = await h.call<CertResult>('GET', `/certificates/${id}`);
      assert.equal(got.json.result.revoked_at, del.json.result.revoked_at);
      const list = await h.call<CertResult[]>('GET', `/certificates?zone_id=${zoneId}`);
      assert.ok(list.json.result.some((c) => c.id === id && c.revoked_at !== null));
      for (const type of ['certificate_issue', 'certificate_revoke']) {
        const a = await h.call<{ resource: { id: string } }[]>(
          'GET',
          `/accounts/${h.accountId}/audit_logs?action.type=${type}`,
        );
        assert.ok(
          a.json.result.some((e) => e.resource.id === id),
          type,
        );
      }
    });

    test('a second process on the same database signs with the same root', async () => {
      const store = await Store.open({ dataDir: h.dataDir, databaseUrl: h.databaseUrl, logger: quietLogger });
      const other = await ControlPlane.start({
        store,
        domain: 'warren.localhost',
        edgeName: 'other',
        logger: quietLogger,
        classicCleanupTimer: false,
      });
      try {
        assert.equal(other.originCa.rootPem, h.control.originCa.rootPem);
      } finally {
        await other.close();
        await store.close();
      }
    });
  });
}
