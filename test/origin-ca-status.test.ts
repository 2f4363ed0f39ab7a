import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface CertResult {
  id: string;
  hostnames: string[];
  expires_on: string;
  status: string;
}

async function csr(): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=o', keys, signingAlgorithm: alg })).toString(
    'pem',
  );
}

for (const dialect of DIALECTS) {
  describe(`origin certificate status on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let zoneId: string;
    const clock = new ManualClock();
    before(async () => {
      h = await startControl(dialect, { clock });
      zoneId = (await h.call<{ id: string }>('POST', '/zones', { account: { id: h.accountId }, name: 'example.com' }))
        .json.result.id;
    });
    after(async () => h?.close());

    test("the zone's list says active, revoked or expired for each certificate, with its hostnames", async () => {
      const issue = async (host: string, days: number) => {
        const r = await h.call<CertResult>('POST', '/certificates', {
          csr: await csr(),
          hostnames: [host],
          request_type: 'origin-ecc',
          requested_validity: days,
        });
        assert.equal(r.status, 200, JSON.stringify(r.json.errors));
        assert.equal(r.json.result.status, 'active');
        return r.json.result;
      };
      const short = await issue('short.example.com', 7);
      const long = await issue('long.example.com', 365);
      const gone = await issue('gone.example.com', 365);
      assert.equal((await h.call('DELETE', `/certificates/${gone.id}`)).status, 200);

      // The store's clock passes the short one's expiry (7 days and a minute).
      void clock.advance(7 * 86_400_000 + 60_000);
      const listed = await h.call<CertResult[]>('GET', `/certificates?zone_id=${zoneId}`);
      assert.equal(listed.status, 200);
      const byHost = new Map(listed.json.result.map((c) => [c.hostnames.join(','), c.status]));
      assert.deepEqual(Object.fromEntries(byHost), {
        'short.example.com': 'expired',
        'long.example.com': 'active',
        'gone.example.com': 'revoked',
      });
      assert.equal((await h.call<CertResult>('GET', `/certificates/${long.id}`)).json.result.status, 'active');
      assert.equal((await h.call<CertResult>('GET', `/certificates/${short.id}`)).json.result.status, 'expired');
    });
  });
}
