import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { createUserWithToken } from '../src/control/index.js';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import { opensslCa, opensslClientCert, type TestCa } from './support/mtls-pki.js';
import { tempDir } from './support/warren-processes.js';

type ApiFailure = Error & { status?: number; errors?: { message: string; source?: { pointer?: string } }[] };

// Issue 29 item 4: `zeroTrust.access.certificates` of Cloudflare's official client.
for (const dialect of DIALECTS) {
  describe(`Access mTLS certificates through Cloudflare's client, on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let cf: Cloudflare;
    let base = '';
    let ca: TestCa;
    let ca2: TestCa;
    let leafPem = '';
    let zoneId = '';
    before(async () => {
      const dir = tempDir('warren-mtls-api-');
      ca = await opensslCa(dir, 'devices-ca');
      ca2 = await opensslCa(dir, 'second-ca');
      leafPem = (await opensslClientCert(dir, 'leaf', 'device-1', ca)).pem;
      h = await startControl(dialect);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = h.app.server.address();
      assert.ok(typeof addr === 'object' && addr !== null);
      base = `http://127.0.0.1:${addr.port}/client/v4`;
      cf = new Cloudflare({ apiToken: ADMIN_TOKEN, baseURL: base, maxRetries: 0 });
      zoneId = (await cf.zones.create({ account: { id: h.accountId }, name: 'mtls.example', type: 'full' })).id;
    });
    after(async () => {
      await h?.close();
    });

    test('create, list, get, update and delete in Cloudflare shapes, each audited', async () => {
      const a = h.accountId;
      const c = await cf.zeroTrust.access.certificates.create({
        account_id: a,
        name: 'devices',
        certificate: ca.pem,
        associated_hostnames: ['App.mtls.example'],
      });
      assert.match(c.id ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(c.name, 'devices');
      assert.match(c.fingerprint ?? '', /^SHA256 Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.deepEqual(c.associated_hostnames, ['app.mtls.example']);
      assert.ok(Date.parse(c.expires_on ?? '') > Date.now());
      const listed = [];
      for await (const x of cf.zeroTrust.access.certificates.list({ account_id: a })) listed.push(x.id);
      assert.deepEqual(listed, [c.id]);
      const got = await cf.zeroTrust.access.certificates.get(c.id as string, { account_id: a });
      assert.equal(got.fingerprint, c.fingerprint);
      const up = await cf.zeroTrust.access.certificates.update(c.id as string, {
        account_id: a,
        name: 'laptops',
        associated_hostnames: ['a.mtls.example', 'b.mtls.example'],
      });
      assert.equal(up.name, 'laptops');
      assert.deepEqual(up.associated_hostnames, ['a.mtls.example', 'b.mtls.example']);
      const del = await cf.zeroTrust.access.certificates.delete(c.id as string, { account_id: a });
      assert.equal(del.id, c.id);
      await assert.rejects(
        cf.zeroTrust.access.certificates.get(c.id as string, { account_id: a }),
        (err: ApiFailure) => err.status === 404,
      );
      const log = await h.call<{ action: { type: string }; resource: { id: string } }[]>(
        'GET',
        `/accounts/${a}/audit_logs?per_page=100`,
      );
      const actions = log.json.result.filter((e) => e.resource.id === c.id).map((e) => e.action.type);
      for (const want of ['access_certificate_create', 'access_certificate_update', 'access_certificate_delete']) {
        assert.ok(actions.includes(want), `${want} in ${actions.join(', ')}`);
      }
    });

    test('refuses what is no CA, garbage, a bundle, a duplicate, and hosts outside the account', async () => {
      const a = h.accountId;
      const refused = async (body: { certificate: string; associated_hostnames?: string[] }, why: RegExp) => {
        await assert.rejects(
          cf.zeroTrust.access.certificates.create({ account_id: a, name: 'x', ...body }),
          (err: ApiFailure) => err.status === 400 && why.test(err.errors?.[0]?.message ?? err.message),
        );
      };
      await refused({ certificate: leafPem }, /not a certificate authority/);
      await refused({ certificate: 'hello' }, /one PEM certificate/);
      await refused({ certificate: `${ca.pem}${ca2.pem}` }, /upload each CA separately/);
      await refused({ certificate: ca2.pem, associated_hostnames: ['app.elsewhere.example'] }, /not in a zone/);
      await refused({ certificate: ca2.pem, associated_hostnames: ['*.mtls.example'] }, /not a host name/);
      const first = await cf.zeroTrust.access.certificates.create({ account_id: a, name: 'one', certificate: ca2.pem });
      await refused({ certificate: ca2.pem }, /already uploaded/);
      await cf.zeroTrust.access.certificates.delete(first.id as string, { account_id: a });
      assert.ok(zoneId !== '');
    });

    test("another account's member sees and changes none of this account's CAs", async () => {
      const a = h.accountId;
      const mine = await cf.zeroTrust.access.certificates.create({ account_id: a, name: 'mine', certificate: ca.pem });
      const other = await createUserWithToken(
        h.store,
        { email: 'other@mtls.example', accountName: 'other-mtls', tokenName: 'o' },
        { interface: 'warren admin', ip: '127.0.0.1' },
      );
      const them = new Cloudflare({ apiToken: other.token, baseURL: base, maxRetries: 0 });
      const notFound = (err: ApiFailure) => err.status === 404 || err.status === 403;
      await assert.rejects(them.zeroTrust.access.certificates.get(mine.id as string, { account_id: a }), notFound);
      await assert.rejects(them.zeroTrust.access.certificates.delete(mine.id as string, { account_id: a }), notFound);
      await assert.rejects(
        them.zeroTrust.access.certificates.get(mine.id as string, { account_id: other.account.id }),
        (err: ApiFailure) => err.status === 404,
      );
      // The same CA may be uploaded by another account: it counts there, for that account's apps only.
      const theirs = await them.zeroTrust.access.certificates.create({
        account_id: other.account.id,
        name: 'same ca',
        certificate: ca.pem,
      });
      const listed = [];
      for await (const x of them.zeroTrust.access.certificates.list({ account_id: other.account.id }))
        listed.push(x.id);
      assert.deepEqual(listed, [theirs.id]);
      await cf.zeroTrust.access.certificates.delete(mine.id as string, { account_id: a });
    });
  });
}
