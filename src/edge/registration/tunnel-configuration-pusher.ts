import type { Logger } from 'pino';
import { encodeConfigPush, FEATURE_CONFIG_PUSH, FrameType, parseConfigStatus } from '../../protocol/index.js';
import { FeedReload, type Store } from '../../store/index.js';
import type { EdgeLink } from './edge-link.js';

/** A burst of PUTs within this long causes one look at the store (milliseconds). */
const PUSH_DEBOUNCE_MS = 10; // 10 milliseconds: well inside the one second a new version may take
/** A look regardless, in case a PostgreSQL notification was lost. */
const PUSH_SAFETY_MS = 60_000; // 1 minute

/**
 * Sends each named-tunnel link on this edge its tunnel's remotely-managed configuration: the
 * current version right after the link registers, then every newer version as the store's
 * change feed announces it (`tunnel_configs`; from any process sharing the database). A link is
 * never sent a version older than, or the same as, one it already got; the connector applies
 * only newer versions anyway and decides whether a local config wins.
 */
export class TunnelConfigurationPusher {
  readonly #store: Store;
  readonly #logger: Logger;
  /** Named links on this edge, by tunnel id. */
  readonly #links = new Map<string, Set<EdgeLink>>();
  /** The newest version each link was sent. */
  readonly #sent = new WeakMap<EdgeLink, number>();
  /** The version each link last reported on: one report per push is recorded, no more. */
  readonly #reported = new WeakMap<EdgeLink, number>();
  readonly #reload: FeedReload;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    this.#reload = new FeedReload({
      feed: store.feed,
      topics: ['tunnel_configs'],
      load: () => this.#pushNewer(),
      debounceMs: PUSH_DEBOUNCE_MS,
      safetyMs: PUSH_SAFETY_MS,
      onError: (err) => logger.error({ err }, 'store: could not read tunnel configurations to push'),
    });
  }

  start(): Promise<void> {
    return this.#reload.start();
  }

  close(): void {
    this.#reload.close();
  }

  readonly registered = (link: EdgeLink): void => {
    if (link.accountId === undefined) return; // quick tunnel: no account, no configuration
    // A connector built before ConfigPush would drop the link over it: send only to those that ask.
    if (link.connector.features?.includes(FEATURE_CONFIG_PUSH) !== true) return;
    let links = this.#links.get(link.tunnelId);
    if (links === undefined) {
      links = new Set();
      this.#links.set(link.tunnelId, links);
    }
    links.add(link);
    this.#push(link.tunnelId).catch((err: unknown) =>
      this.#logger.error({ err, tunnelId: link.tunnelId }, 'store: could not read the tunnel configuration to push'),
    );
  };

  readonly unregistered = (link: EdgeLink): void => {
    const links = this.#links.get(link.tunnelId);
    links?.delete(link);
    if (links?.size === 0) this.#links.delete(link.tunnelId);
  };

  /**
   * A connector's ConfigStatus on a link: recorded (the API shows it) when it answers the newest
   * version this link was sent, once. Anything else from the untrusted connector is dropped.
   */
  readonly reported = (link: EdgeLink, payload: Buffer): void => {
    let status: ReturnType<typeof parseConfigStatus>;
    try {
      status = parseConfigStatus(payload);
    } catch (err) {
      this.#logger.debug({ tunnelId: link.tunnelId, reason: (err as Error).message }, 'config status dropped');
      return;
    }
    const sent = this.#sent.get(link);
    if (sent === undefined || status.version !== sent || this.#reported.get(link) === sent) return;
    this.#reported.set(link, sent);
    this.#store.tunnelConfigs
      .report({
        tunnel_id: link.tunnelId,
        connector_id: link.connector.connectorId,
        version: status.version,
        state: status.state,
        running_version: status.running,
        reason: status.reason ?? null,
      })
      .catch((err: unknown) =>
        this.#logger.error({ err, tunnelId: link.tunnelId }, 'store: could not record a configuration report'),
      );
  };

  /** After a change: the tunnels with a link here whose stored version is newer than what a link got. */
  async #pushNewer(): Promise<void> {
    if (this.#links.size === 0) return;
    const versions = await this.#store.tunnelConfigs.versionsOf([...this.#links.keys()]);
    for (const [tunnelId, version] of versions) {
      const links = this.#links.get(tunnelId);
      if (links === undefined) continue;
      if ([...links].some((l) => (this.#sent.get(l) ?? 0) < version)) await this.#push(tunnelId);
    }
  }

  /** Sends the tunnel's current configuration to each of its links that has an older one. */
  async #push(tunnelId: string): Promise<void> {
    const row = await this.#store.tunnelConfigs.current(tunnelId);
    if (row === undefined) return;
    let payload: Buffer;
    try {
      payload = encodeConfigPush({ version: row.version, config: JSON.parse(row.config) as Record<string, unknown> });
    } catch (err) {
      // The API refuses such a configuration on PUT; a row written around it is not sent.
      this.#logger.error(
        { tunnelId, version: row.version },
        `remote configuration not pushed: ${(err as Error).message}`,
      );
      return;
    }
    // Read after the await: links may have come and gone meanwhile.
    for (const link of this.#links.get(tunnelId) ?? []) {
      if (link.conn.closed || (this.#sent.get(link) ?? 0) >= row.version) continue;
      this.#sent.set(link, row.version);
      link.conn.sendFrame(FrameType.ConfigPush, 0, payload);
    }
  }
}
