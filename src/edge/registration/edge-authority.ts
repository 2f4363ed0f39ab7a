import { WarrenError } from '../../errors/index.js';
import {
  createEdgeCa,
  type EdgeCaPair,
  type EdgeTlsMaterial,
  issueEdgeLeaf,
  readEdgeCaFiles,
  writeEdgeCaFile,
} from '../../pki/index.js';
import type { Store } from '../../store/index.js';

/** The deployment's edge CA as this process holds it, with the file connectors are pointed at. */
export interface SharedEdgeCa extends EdgeCaPair {
  caPath: string;
}

/**
 * The one edge CA of every process on this database (issue 23 §9), sealed in `edge_authority`:
 * created by the first process to start (from `<data-dir>/edge-ca.pem` and its key when a data
 * directory from before has them, so connectors that pinned it keep trusting it), read by every
 * later one, and written to `<data-dir>/edge-ca.pem` so any edge's file serves as `--edge-ca`.
 * A process whose secret key does not open it stops with one line saying so.
 */
export async function sharedEdgeCa(store: Store, dataDir: string): Promise<SharedEdgeCa> {
  let row = await store.edges.authority();
  if (row === undefined) {
    const made = (await readEdgeCaFiles(dataDir)) ?? (await createEdgeCa());
    await store.edges.createAuthority(made.caPem, store.secrets.seal(Buffer.from(made.caKeyPem)));
    // Another process may have stored its own first: everyone uses the stored one.
    row = await store.edges.authority();
    if (row === undefined) throw new WarrenError('WARREN_DATABASE', 'the edge CA could not be stored in the database');
  }
  let caKeyPem: string;
  try {
    caKeyPem = store.secrets.open(row.key_sealed).toString('utf8');
  } catch (cause) {
    throw new WarrenError(
      'WARREN_SECRET_KEY_MISMATCH',
      'the edge CA in the database was sealed with another secret key: start every warren process on this database with the same WARREN_SECRET_KEY',
      { cause },
    );
  }
  const caPath = await writeEdgeCaFile(dataDir, row.certificate);
  return { caPem: row.certificate, caKeyPem, caPath };
}

/** The tunnel listener's certificate, issued from the shared edge CA. */
export async function sharedEdgeTls(ca: SharedEdgeCa, hostnames: readonly string[]): Promise<EdgeTlsMaterial> {
  const leaf = await issueEdgeLeaf(ca, hostnames);
  return { caPem: ca.caPem, caPath: ca.caPath, ...leaf };
}
