import 'reflect-metadata';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_VALIDITY_DAYS = 3650; // 10 years: the CA is pinned by connectors, rolling it is an operator's decision
const LEAF_VALIDITY_DAYS = 397; // re-issued at every start anyway

export interface EdgeTlsMaterial {
  /** PEM of the CA that connectors trust (`--edge-ca`). */
  caPem: string;
  caPath: string;
  certPem: string;
  keyPem: string;
}

export interface EdgeTlsOptions {
  dataDir: string;
  /** Names and addresses the tunnel listener answers to; loopback is always included. */
  hostnames: readonly string[];
}

/**
 * Loads `<data-dir>/edge-ca.pem` (creating it on first start) and issues the tunnel
 * listener's certificate from it. The CA key stays in `<data-dir>/edge-ca-key.pem` (0600).
 */
export async function loadOrCreateEdgeTls(options: EdgeTlsOptions): Promise<EdgeTlsMaterial> {
  const { dataDir } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 }); // holds the CA key: owner only
  const caPath = join(dataDir, 'edge-ca.pem');
  const caKeyPath = join(dataDir, 'edge-ca-key.pem');
  let caPem: string;
  let caKey: webcrypto.CryptoKey;
  try {
    caPem = await readFile(caPath, 'utf8');
    caKey = await importPkcs8(await readFile(caKeyPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = new Date();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=warren edge CA',
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * 86_400_000),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caPem = ca.toString('pem');
    caKey = keys.privateKey;
    await writeFile(caKeyPath, await exportPkcs8(caKey), { mode: 0o600 });
    await chmod(caKeyPath, 0o600);
    await writeFile(caPath, `${caPem}\n`, { mode: 0o644 });
  }
  const ca = new x509.X509Certificate(caPem);
  const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names = new Set(['localhost', '127.0.0.1', '::1', ...options.hostnames]);
  const now = new Date();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=warren edge',
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + LEAF_VALIDITY_DAYS * 86_400_000),
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [...names].filter((n) => n !== '').map((n) => (isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n })),
      ),
    ],
  });
  return {
    caPem,
    caPath,
    certPem: `${leaf.toString('pem')}\n${caPem}`,
    keyPem: await exportPkcs8(leafKeys.privateKey),
  };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f; // positive INTEGER
  return b.toString('hex');
}

async function exportPkcs8(key: webcrypto.CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function importPkcs8(pem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}
