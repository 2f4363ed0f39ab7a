// First: @peculiar/x509 (tsyringe) needs the Reflect polyfill while it loads.
import 'reflect-metadata';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ALG, createRootCa, exportPkcs8, generateKeys, importPkcs8, serial } from './x509-support.js';

const CA_VALIDITY_DAYS = 3650; // 10 years: the CA is pinned by connectors, rolling it is an operator's decision
const LEAF_VALIDITY_DAYS = 397; // re-issued at every start anyway
/** Subject of the certificates edges present to each other on the edge-to-edge link. */
export const EDGE_PEER_SUBJECT = 'CN=warren edge peer';

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

/** An edge CA: its certificate and its key (PKCS#8 PEM). */
export interface EdgeCaPair {
  caPem: string;
  caKeyPem: string;
}

/** A new edge CA (ECDSA P-256, 10 years). */
export async function createEdgeCa(): Promise<EdgeCaPair> {
  const keys = await generateKeys();
  const now = new Date();
  const ca = await createRootCa(
    'CN=warren edge CA',
    keys,
    new Date(now.getTime() - 60_000),
    new Date(now.getTime() + CA_VALIDITY_DAYS * 86_400_000),
  );
  return { caPem: ca.toString('pem'), caKeyPem: exportPkcs8(keys.privateKey) };
}

/**
 * A leaf from the edge CA: the tunnel listener's (`serverAuth`, for `hostnames`) or, with
 * `peer`, the edge-to-edge link's (`serverAuth` and `clientAuth`, subject EDGE_PEER_SUBJECT).
 * Returns the chain (leaf, then CA) and the key, both PEM.
 */
export async function issueEdgeLeaf(
  ca: EdgeCaPair,
  hostnames: readonly string[],
  peer = false,
): Promise<{ certPem: string; keyPem: string }> {
  const caCert = new x509.X509Certificate(ca.caPem);
  const caKey = await importPkcs8(ca.caKeyPem);
  const leafKeys = await generateKeys();
  const names = new Set(['localhost', '127.0.0.1', '::1', ...hostnames]);
  const now = new Date();
  const usages = [x509.ExtendedKeyUsage.serverAuth, ...(peer ? [x509.ExtendedKeyUsage.clientAuth] : [])];
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: peer ? EDGE_PEER_SUBJECT : 'CN=warren edge',
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + LEAF_VALIDITY_DAYS * 86_400_000),
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      new x509.SubjectAlternativeNameExtension(
        [...names].filter((n) => n !== '').map((n) => (isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n })),
      ),
    ],
  });
  return { certPem: `${leaf.toString('pem')}\n${ca.caPem}`, keyPem: exportPkcs8(leafKeys.privateKey) };
}

/** `<data-dir>/edge-ca.pem` and its key file, when both exist (a data directory from before the CA moved into the database). */
export async function readEdgeCaFiles(dataDir: string): Promise<EdgeCaPair | undefined> {
  try {
    const caPem = await readFile(join(dataDir, 'edge-ca.pem'), 'utf8');
    const caKeyPem = await readFile(join(dataDir, 'edge-ca-key.pem'), 'utf8');
    await importPkcs8(caKeyPem);
    return { caPem: caPem.trim(), caKeyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}

/** Writes the CA certificate (never its key) to `<data-dir>/edge-ca.pem` for connectors' `--edge-ca`; returns the path. */
export async function writeEdgeCaFile(dataDir: string, caPem: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const caPath = join(dataDir, 'edge-ca.pem');
  await writeFile(caPath, `${caPem.trim()}\n`, { mode: 0o644 });
  return caPath;
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
  let ca = await readEdgeCaFiles(dataDir);
  if (ca === undefined) {
    ca = await createEdgeCa();
    await writeFile(caKeyPath, ca.caKeyPem, { mode: 0o600 });
    await chmod(caKeyPath, 0o600);
    await writeFile(caPath, `${ca.caPem}\n`, { mode: 0o644 });
  }
  const leaf = await issueEdgeLeaf(ca, options.hostnames);
  return { caPem: ca.caPem, caPath, ...leaf };
}
