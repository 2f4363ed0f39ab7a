// First: @peculiar/x509 (tsyringe) needs the Reflect polyfill while it loads.
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ALG, createRootCa, exportPkcs8, generateKeys, importPkcs8, serial } from './x509-support.js';

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
    const keys = await generateKeys();
    const now = new Date();
    const ca = await createRootCa(
      'CN=warren edge CA',
      keys,
      new Date(now.getTime() - 60_000),
      new Date(now.getTime() + CA_VALIDITY_DAYS * 86_400_000),
    );
    caPem = ca.toString('pem');
    caKey = keys.privateKey;
    await writeFile(caKeyPath, exportPkcs8(caKey), { mode: 0o600 });
    await chmod(caKeyPath, 0o600);
    await writeFile(caPath, `${caPem}\n`, { mode: 0o644 });
  }
  const ca = new x509.X509Certificate(caPem);
  const leafKeys = await generateKeys();
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
    keyPem: exportPkcs8(leafKeys.privateKey),
  };
}
