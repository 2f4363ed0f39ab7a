import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import {
  type AccessPolicyDef,
  type AccessRule,
  evaluatePolicies,
  type TrustedClientCa,
  verifyClientCertificate,
} from '../src/access/index.js';
import { opensslCa, opensslClientCert } from './support/mtls-pki.js';
import { tempDir } from './support/warren-processes.js';

const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

describe('client certificate verification (Access mutual TLS)', () => {
  const pem: Record<string, string> = {};
  let root: TrustedClientCa;
  before(async () => {
    const dir = tempDir('warren-mtls-unit-');
    const rootCa = await opensslCa(dir, 'root');
    const inter = await opensslCa(dir, 'inter', { signer: rootCa });
    pem.inter = inter.pem;
    pem.viaInter = (await opensslClientCert(dir, 'via-inter', 'laptop-7', inter)).pem;
    pem.direct = (await opensslClientCert(dir, 'direct', 'phone "1", ops', rootCa)).pem;
    pem.serverOnly = (await opensslClientCert(dir, 'server-only', 'web', rootCa, 'serverAuth')).pem;
    root = { id: 'ca-root', accountId: 'acct', cert: x509(rootCa.pem) };
  });
  const now = () => new Date();

  test('a leaf signed through an intermediate the client sent chains to the uploaded root', () => {
    const v = verifyClientCertificate([x509(pem.viaInter as string), x509(pem.inter as string)], [root], now());
    assert.equal(v?.commonName, 'laptop-7');
    assert.equal(v?.caId, 'ca-root');
  });

  test('without the intermediate there is no chain', () => {
    assert.equal(verifyClientCertificate([x509(pem.viaInter as string)], [root], now()), undefined);
  });

  test('a common name with quotes and commas is read whole', () => {
    assert.equal(verifyClientCertificate([x509(pem.direct as string)], [root], now())?.commonName, 'phone "1", ops');
  });

  test('a certificate for servers only (extendedKeyUsage serverAuth) is no client certificate', () => {
    assert.equal(verifyClientCertificate([x509(pem.serverOnly as string)], [root], now()), undefined);
  });

  test('outside its validity the leaf is refused; no CA, nothing passes', () => {
    const leaf = x509(pem.direct as string);
    assert.equal(verifyClientCertificate([leaf], [root], new Date(Date.now() + 5 * 86_400_000)), undefined);
    assert.equal(verifyClientCertificate([leaf], [root], new Date(Date.now() - 86_400_000)), undefined);
    assert.equal(verifyClientCertificate([leaf], [], now()), undefined);
  });
});

describe('policy rules certificate and common_name', () => {
  const cert: AccessRule = { certificate: {} };
  const cn = (c: string): AccessRule => ({ common_name: { common_name: c } });
  const p = (decision: AccessPolicyDef['decision'], include: AccessRule[], o: Partial<AccessPolicyDef> = {}) => ({
    id: `p-${decision}`,
    decision,
    precedence: 1,
    include,
    require: [],
    exclude: [],
    ...o,
  });
  const ip = '192.0.2.1';

  test('non_identity: a valid certificate passes, no certificate does not', () => {
    const pol = [p('non_identity', [cert])];
    assert.equal(evaluatePolicies(pol, { ip, certificateCommonName: 'd1' }).decision, 'non_identity');
    assert.equal(evaluatePolicies(pol, { ip }).decision, 'deny');
  });

  test('common_name in include, require and exclude; an empty CN never matches a name', () => {
    const who = { ip, certificateCommonName: 'd1' };
    assert.equal(evaluatePolicies([p('non_identity', [cn('d1')])], who).decision, 'non_identity');
    assert.equal(evaluatePolicies([p('non_identity', [cert], { require: [cn('d2')] })], who).decision, 'deny');
    assert.equal(evaluatePolicies([p('non_identity', [cert], { exclude: [cn('d1')] })], who).decision, 'deny');
    assert.equal(evaluatePolicies([p('non_identity', [cn('')])], { ip, certificateCommonName: '' }).decision, 'deny');
  });

  test('a certificate is no identity: an allow policy needs a signed-in user as well', () => {
    const pol = [p('allow', [cert])];
    assert.equal(evaluatePolicies(pol, { ip, certificateCommonName: 'd1' }).decision, 'deny');
    assert.equal(evaluatePolicies(pol, { ip, email: 'a@x.test', certificateCommonName: 'd1' }).decision, 'allow');
    assert.equal(evaluatePolicies(pol, { ip, email: 'a@x.test' }).decision, 'deny');
  });
});
