import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type CryptoKey, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA_BITS = 2048;
const CERT_VALIDITY_DAYS = 365; // the certificate only carries the key; tokens live minutes to hours
const DAY_MS = 86_400_000;

/** A freshly made RS256 key: its public JWK, PKCS#8 private key and self-signed certificate. */
export interface SigningKeyMaterial {
  kid: string;
  publicJwk: JWK;
  privatePkcs8: string;
  certificate: string;
}

/** A key ready to sign with. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/** Makes a new RS256 signing key with a random 64-hex `kid` (Cloudflare's kids have that shape). */
export async function generateSigningKey(now: Date): Promise<SigningKeyMaterial> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: RSA_BITS, extractable: true });
  const kid = randomBytes(32).toString('hex');
  const jwk = await exportJWK(publicKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex'),
    name: `O=warren, OU=warren Access, CN=${kid}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CERT_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    keys: { publicKey, privateKey } as unknown as webcrypto.CryptoKeyPair,
  });
  return {
    kid,
    publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e },
    privatePkcs8: await exportPKCS8(privateKey),
    certificate: cert.toString('pem'),
  };
}

export async function importSigningKey(kid: string, privatePkcs8: string): Promise<SigningKey> {
  return { kid, privateKey: await importPKCS8(privatePkcs8, 'RS256') };
}
