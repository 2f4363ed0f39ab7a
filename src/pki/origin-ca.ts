// First: @peculiar/x509 (tsyringe) needs the Reflect polyfill while it loads.
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { WarrenError } from '../errors/index.js';
import { ALG, createRootCa, exportPkcs8, generateKeys, importPkcs8, serial } from './x509-support.js';

const ROOT_VALIDITY_DAYS = 5475; // 15 years: origins pin this root, rolling it is an operator's decision
const DAY_MS = 86_400_000;
const BACKDATE_MS = 60_000; // 1 minute, for clocks a little behind

/** The validities Cloudflare's origin CA offers, in days; the default is the longest. */
export const ORIGIN_CERT_VALIDITIES = [7, 30, 90, 365, 730, 1095, 5475] as const;
export const DEFAULT_ORIGIN_CERT_VALIDITY = 5475;

export type OriginKeyType = 'origin-rsa' | 'origin-ecc';

export interface IssuedCertificate {
  certificate: string;
  serial: string;
  expiresOn: Date;
}

export interface OriginCaMaterial {
  certificate: string;
  /** PKCS#8 PEM. */
  key: string;
}

/**
 * warren's origin CA: a self-signed root that signs origin certificates (from a CSR, or for a
 * key it makes itself for `warren login`). Origin web servers present those certificates; the
 * connector trusts the root. Where the root and its key are kept is the caller's business.
 */
export class OriginCa {
  readonly rootPem: string;
  readonly #root: x509.X509Certificate;
  readonly #key: webcrypto.CryptoKey;
  readonly #now: () => Date;

  private constructor(root: x509.X509Certificate, key: webcrypto.CryptoKey, now: () => Date) {
    this.#root = root;
    this.rootPem = root.toString('pem');
    this.#key = key;
    this.#now = now;
  }

  /** Makes a new root and its key. */
  static async generate(now: () => Date = () => new Date()): Promise<OriginCaMaterial> {
    const keys = await generateKeys();
    const t = now();
    const root = await createRootCa(
      'O=warren, OU=warren Origin CA, CN=warren Origin Root CA',
      keys,
      new Date(t.getTime() - BACKDATE_MS),
      new Date(t.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
    );
    return { certificate: root.toString('pem'), key: exportPkcs8(keys.privateKey) };
  }

  static async load(material: OriginCaMaterial, now: () => Date = () => new Date()): Promise<OriginCa> {
    const key = await importPkcs8(material.key);
    return new OriginCa(new x509.X509Certificate(material.certificate), key, now);
  }

  /**
   * Signs a CSR (PEM, RSA or ECDSA) for `hostnames`. The CSR's own signature must verify, and
   * its key type must match `requestType`. The subject and SANs come from `hostnames`, not the CSR.
   */
  async issueFromCsr(
    csrPem: string,
    hostnames: readonly string[],
    validityDays: number,
    requestType: OriginKeyType,
  ): Promise<IssuedCertificate> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem.trim());
    } catch (cause) {
      throw new WarrenError(
        'WARREN_CSR_INVALID',
        'csr is not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----); make one with e.g. openssl req -new -newkey rsa:2048 -nodes',
        { cause },
      );
    }
    let valid = false;
    try {
      valid = await csr.verify();
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new WarrenError('WARREN_CSR_INVALID', "the CSR's signature does not verify; generate the CSR again");
    }
    const keyType = keyTypeOf(csr.publicKey.algorithm.name);
    if (keyType === undefined) {
      throw new WarrenError(
        'WARREN_CSR_INVALID',
        `the CSR's key is ${csr.publicKey.algorithm.name}; use an RSA (origin-rsa) or ECDSA P-256/P-384 (origin-ecc) key`,
      );
    }
    if (keyType !== requestType) {
      throw new WarrenError(
        'WARREN_CSR_INVALID',
        `request_type is ${requestType} but the CSR holds ${keyType === 'origin-rsa' ? 'an RSA' : 'an ECDSA'} key; send request_type "${keyType}"`,
      );
    }
    return this.#issue(csr.publicKey, hostnames, validityDays);
  }

  /** A fresh ECDSA P-256 key and a certificate for it (the cert.pem of `warren login`). */
  async issueWithNewKey(
    hostnames: readonly string[],
    validityDays: number,
  ): Promise<IssuedCertificate & { key: string; csr: string }> {
    const keys = await generateKeys();
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${hostnames[0] ?? 'warren'}`,
      keys,
      signingAlgorithm: ALG,
    });
    const issued = await this.#issue(keys.publicKey, hostnames, validityDays);
    return { ...issued, key: exportPkcs8(keys.privateKey), csr: csr.toString('pem') };
  }

  async #issue(
    publicKey: x509.PublicKey | webcrypto.CryptoKey,
    hostnames: readonly string[],
    validityDays: number,
  ): Promise<IssuedCertificate> {
    const t = this.#now();
    const s = serial();
    const expiresOn = new Date(t.getTime() + validityDays * DAY_MS);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: s,
      subject: 'O=warren, OU=warren Origin CA, CN=warren Origin Certificate',
      issuer: this.#root.subject,
      notBefore: new Date(t.getTime() - BACKDATE_MS),
      notAfter: expiresOn,
      signingAlgorithm: ALG,
      publicKey: publicKey as x509.PublicKeyType,
      signingKey: this.#key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(hostnames.map((h) => ({ type: 'dns' as const, value: h }))),
        await x509.AuthorityKeyIdentifierExtension.create(this.#root),
      ],
    });
    return { certificate: cert.toString('pem'), serial: s, expiresOn };
  }
}

function keyTypeOf(algorithm: string): OriginKeyType | undefined {
  if (algorithm === 'ECDSA') return 'origin-ecc';
  if (algorithm.startsWith('RSA')) return 'origin-rsa';
  return undefined;
}
