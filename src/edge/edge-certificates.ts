import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { type ServedCertificate, SniTable } from '../pki/index.js';
import { FeedCache, type Store } from '../store/index.js';

const RELOAD_DEBOUNCE_MS = 50; // 50 ms: a burst of issued certificates causes one rebuild
const RELOAD_SAFETY_MS = 60_000; // 60 seconds: rebuild anyway, in case a notification was lost

/**
 * The SNI table of the visitor HTTPS listener, rebuilt from the store whenever the change feed says
 * `certificates` (an upload, a delete, an ACME issuance or renewal, in any process). The table is
 * swapped whole: a connection keeps the context its handshake got, new ones see the new table.
 */
export class EdgeCertificates extends FeedCache {
  readonly #store: Store;
  readonly #fallback: { cert: string; key: string } | undefined;
  readonly #logger: Logger;
  #table: SniTable;

  constructor(store: Store, fallback: { cert: string; key: string } | undefined, logger: Logger) {
    super({
      feed: store.feed,
      topics: ['certificates'],
      debounceMs: RELOAD_DEBOUNCE_MS,
      safetyMs: RELOAD_SAFETY_MS,
      onError: (err) =>
        logger.warn({ err: (err as Error).message }, 'edge: certificate reload failed; serving the previous set'),
    });
    this.#store = store;
    this.#fallback = fallback;
    this.#logger = logger;
    this.#table = new SniTable([], store.clock.now(), fallback);
  }

  get size(): number {
    return this.#table.size;
  }

  contextFor(servername: string | undefined): SecureContext | undefined {
    return this.#table.contextFor(servername);
  }

  protected async load(): Promise<void> {
    const rows = await this.#store.edgeCertificates.all();
    const certs: ServedCertificate[] = [];
    for (const r of rows) {
      try {
        certs.push({
          id: r.id,
          hosts: JSON.parse(r.hosts) as string[],
          source: r.source,
          cert: r.certificate,
          key: this.#store.secrets.open(r.key_sealed).toString('utf8'),
          expiresOn: new Date(r.expires_on),
          priority: r.priority,
        });
      } catch (err) {
        this.#logger.warn(
          { certificateId: r.id, err: (err as Error).message },
          'edge: a stored certificate cannot be read; skipped',
        );
      }
    }
    const table = new SniTable(certs, this.#store.clock.now(), this.#fallback);
    for (const r of table.rejected) {
      this.#logger.warn({ certificateId: r.id, reason: r.reason }, 'edge: a stored certificate does not load; skipped');
    }
    this.#table = table;
  }
}
