import { OriginCa } from '../../pki/index.js';
import type { Store } from '../../store/index.js';

/**
 * The deployment's origin CA: read from the database, or made and stored there on first
 * start. The key is sealed with the secret box, so every process that shares the database
 * (and WARREN_SECRET_KEY) signs with the same root, and a copy of the database alone cannot.
 */
export async function loadOriginCa(store: Store): Promise<OriginCa> {
  const now = () => store.clock.now();
  let row = await store.certificates.originCa();
  if (row === undefined) {
    const made = await OriginCa.generate(now);
    // If another process stored its root first, that one wins and ours is discarded.
    row = await store.certificates.saveOriginCa({
      certificate: made.certificate,
      keySealed: store.secrets.seal(Buffer.from(made.key)),
    });
  }
  return OriginCa.load({ certificate: row.certificate, key: store.secrets.open(row.key_sealed).toString('utf8') }, now);
}
