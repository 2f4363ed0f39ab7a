import { randomUUID } from 'node:crypto';
import { arch, platform } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { WarrenError } from '../errors/index.js';
import {
  type ConfigStatus,
  connectorTagsProblem,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_INITIAL_WINDOW,
  FEATURE_CONFIG_PUSH,
  FEATURE_MANAGEMENT_LOGS,
  HEARTBEAT_MISSES_ALLOWED,
  type MuxStream,
  type Registration,
  type RequestHead,
} from '../protocol/index.js';
import { SYSTEM_TIMERS, type Timers } from '../time/index.js';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { CONNECTOR_VERSION } from './config/connector-defaults.js';
import { ConnectorLink, TlsSessionCache, type TunnelCredentials } from './connector-link.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import type { EdgeAddress } from './edge-addresses.js';
import type { LogTap } from './log-tap.js';

export const DEFAULT_GRACE_PERIOD_MS = 30_000; // 30 seconds, as cloudflared
const UNREGISTER_ACK_TIMEOUT_MS = 5_000; // 5 seconds for the edge to confirm it sends no more
/** How often a graceful stop looks whether the requests in flight have finished. */
const DRAIN_POLL_MS = 50; // 50 milliseconds
/** How long a graceful stop waits for the links to close before it destroys them. */
const LINK_CLOSE_WAIT_MS = 2_000; // 2 seconds
/**
 * After the edge refused a registration for a limit, the next try waits at least half of this
 * and at most all of it (jittered, so a refused fleet does not come back in step): a limit lifts
 * when a link or tunnel goes away, not within the first backoff steps.
 */
export const LIMIT_RETRY_MS = 30_000; // 30 seconds
/** Refusals that name a limit (its flag): retried slowly, see LIMIT_RETRY_MS. */
const LIMIT_CODES: ReadonlySet<string> = new Set([
  'WARREN_TUNNEL_LINK_LIMIT',
  'WARREN_QUICK_LINK_LIMIT',
  'WARREN_QUICK_RATE_LIMITED',
]);

export interface EdgeDialOptions {
  /** IP version of the edge address; undefined: whatever DNS answers first. */
  family?: 4 | 6 | undefined;
  /** Local address the connection is made from. */
  localAddress?: string | undefined;
}

export interface ConnectorOptions {
  edge: EdgeAddress;
  /**
   * Several edges (`--edge A --edge B`, or an SRV name): link i dials edge i mod n, so 4 links
   * spread over 2 edges as cloudflared spreads over two data centres, and a link that fails or
   * is lost dials the next edge, so links move off an edge that went away. Default: `[edge]`.
   */
  edges?: readonly EdgeAddress[] | undefined;
  ca: string | undefined;
  /** Trust the edge by this SPKI pin instead of `ca` (a tunnel token's `p`, when no --edge-ca is given). */
  edgePin?: string | undefined;
  /** undefined: ask the edge for a quick tunnel. */
  credentials: TunnelCredentials | undefined;
  haConnections: number;
  handle: (stream: MuxStream, head: RequestHead) => void;
  logger: Logger;
  metrics?: ConnectorMetrics;
  backoff?: BackoffOptions;
  /** Waits between reconnects and during shutdown; default the system's. */
  timers?: Timers;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  initialWindow?: number;
  /** Failed dials in a row after which a link gives up and the connector stops (`--retries`); default: never. */
  maxRetries?: number;
  /** How edge connections are dialed (`--edge-ip-version`, `--edge-bind-address`). */
  dial?: EdgeDialOptions;
  /** `--tag KEY=VALUE`, sent at registration (checked against the protocol's bounds in the constructor). */
  tags?: Readonly<Record<string, string>> | undefined;
  /** `warren tail`: gets the edge's Management frames and learns when a link closes. */
  tap?: LogTap | undefined;
  /**
   * A ConfigPush arrived on any link (the same version comes once per link); `report` tells that
   * link's edge what became of it (when the edge takes such reports).
   */
  onConfigPush?: (payload: Buffer, report: (status: ConfigStatus) => void) => void;
  /** Called on every successful registration of any link. */
  onRegistered?: (reg: Registration, connIndex: number) => void;
}

/** Trust stores by CA PEM ('' for the system's CAs): parsing a CA per connector is wasted work. */
const secureContexts = new Map<string, SecureContext>();

function secureContextFor(ca: string | undefined): SecureContext {
  const key = ca ?? '';
  let context = secureContexts.get(key);
  if (context === undefined) {
    context = createSecureContext(ca === undefined ? {} : { ca });
    secureContexts.set(key, context);
  }
  return context;
}

/**
 * Keeps `haConnections` links to the edge alive (cloudflared's supervisor): each link
 * reconnects on its own with jittered backoff; a permanent error stops the connector.
 */
export class Connector {
  readonly connectorId = randomUUID();
  readonly #o: ConnectorOptions;
  readonly #timers: Timers;
  readonly #links: (ConnectorLink | undefined)[];
  readonly #abort = new AbortController();
  #credentials: TunnelCredentials | undefined;
  /**
   * Resolves when link 0 first registers. The other links start only then (cloudflared's
   * supervisor does the same): a quick tunnel's credentials come with that registration, and a
   * connector that cannot reach its edge retries on one link, one line per backoff step.
   */
  readonly #firstRegistered: Promise<void>;
  #resolveFirstRegistered!: () => void;
  #fatal: ((err: WarrenError) => void) | undefined;
  #stopping = false;
  #paused = false;
  // One trust store (shared by every connector of the process that trusts the same CA) and one
  // session cache for all links: building a SecureContext from a CA and verifying a full
  // handshake per link dominated the CPU of registering many tunnels.
  readonly #secureContext: SecureContext;
  readonly #sessions = new TlsSessionCache();

  constructor(options: ConnectorOptions) {
    if (!Number.isInteger(options.haConnections) || options.haConnections < 1 || options.haConnections > 16) {
      throw new WarrenError('WARREN_CONFIG_INVALID', '--ha-connections must be an integer from 1 to 16');
    }
    const tagProblem = options.tags === undefined ? undefined : connectorTagsProblem(options.tags);
    if (tagProblem !== undefined) {
      throw new WarrenError('WARREN_CONFIG_INVALID', `--tag: ${tagProblem}; write e.g. --tag env=prod`);
    }
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#secureContext = secureContextFor(options.ca);
    this.#links = new Array(options.haConnections).fill(undefined);
    this.#credentials = options.credentials;
    this.#firstRegistered = new Promise((r) => {
      this.#resolveFirstRegistered = r;
    });
  }

  get credentials(): TunnelCredentials | undefined {
    return this.#credentials;
  }

  /** D as the edge sent it at registration (`teamName: myteam` → `myteam.access.D`), once a link registered. */
  get accessDomain(): string | undefined {
    return this.#links.find((l) => l?.registration?.accessDomain !== undefined)?.registration?.accessDomain;
  }

  /** Team domain `team`'s Access JWKS over a live link whose edge answers AccessKeys; undefined: none does. */
  accessKeys(team: string): Promise<{ keys: unknown[] }> | undefined {
    return this.#links.find((l) => l?.answersAccessKeys === true)?.accessKeys(team);
  }

  /** Registered links right now. */
  get readyConnections(): number {
    let n = 0;
    for (const l of this.#links) if (l?.registration !== undefined && l.conn?.closed === false) n++;
    return n;
  }

  /** True between `pause()` and `resume()`: the edge sends this replica nothing new. */
  get paused(): boolean {
    return this.#paused;
  }

  get inFlight(): number {
    let n = 0;
    for (const l of this.#links) n += l?.conn?.streams.size ?? 0;
    return n;
  }

  /** Runs until `shutdown` (resolves) or a permanent error (rejects). */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#fatal = (err) => {
        this.#stopping = true;
        this.#abort.abort();
        for (const l of this.#links) l?.destroy();
        reject(err);
      };
      const loops = this.#links.map((_, i) => this.#runLink(i));
      Promise.all(loops).then(() => resolve(), reject);
    });
  }

  async #runLink(index: number): Promise<void> {
    const o = this.#o;
    const log = o.logger.child({ connIndex: index });
    const backoff = new Backoff(o.backoff ?? DEFAULT_BACKOFF);
    const signal = this.#abort.signal;
    const edges = o.edges !== undefined && o.edges.length > 0 ? o.edges : [o.edge];
    let at = index % edges.length;
    let failures = 0;
    while (!this.#stopping) {
      const edge = edges[at] as EdgeAddress;
      const edgeAddress = `${edge.host}:${edge.port}`;
      // Whatever ends this attempt (a lost link, a failed dial), the next one tries the next edge.
      at = (at + 1) % edges.length;
      if (index > 0) {
        await untilOrAbort(this.#firstRegistered, signal);
        if (this.#stopping) return;
      }
      const link = new ConnectorLink({
        host: edge.host,
        port: edge.port,
        secureContext: this.#secureContext,
        sessions: this.#sessions,
        edgePin: o.edgePin,
        servername: edge.host,
        ...(o.dial ?? {}),
        connector: {
          connectorId: this.connectorId,
          connIndex: index,
          version: CONNECTOR_VERSION,
          arch: arch(),
          os: platform(),
          ...(o.tags !== undefined && Object.keys(o.tags).length > 0 ? { tags: o.tags } : {}),
          features: [FEATURE_CONFIG_PUSH, FEATURE_MANAGEMENT_LOGS],
        },
        credentials: this.#credentials,
        initialWindow: o.initialWindow ?? DEFAULT_INITIAL_WINDOW,
        heartbeatMs: o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
        heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? (o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_MISSES_ALLOWED,
        timers: this.#timers,
        // Streams that raced our Unregister are still served: the link stays up for the grace period.
        onStream: o.handle,
        onManagement: o.tap === undefined ? undefined : (conn, payload) => o.tap?.onFrame(conn, payload),
        onConfigPush: o.onConfigPush,
      });
      try {
        const reg = await link.connect(signal);
        if (reg.quick !== undefined && this.#credentials === undefined) {
          this.#credentials = {
            accountTag: 'quick',
            tunnelId: reg.quick.tunnelId,
            secret: Buffer.from(reg.quick.secret, 'base64'),
          };
        }
        if (index === 0) this.#resolveFirstRegistered();
        backoff.reset();
        failures = 0;
        this.#links[index] = link;
        // A link that (re)registers while paused must not take traffic either.
        if (this.#paused) void link.unregister();
        o.metrics?.registerSuccess.inc();
        o.metrics?.haConnections.set(this.readyConnections);
        log.info(
          { tunnelId: reg.tunnelId, connectionId: reg.connectionId, edge: reg.edgeName },
          'registered tunnel connection',
        );
        o.onRegistered?.(reg, index);
        const err = await link.closed;
        if (link.conn !== undefined) o.tap?.linkClosed(link.conn);
        this.#links[index] = undefined;
        o.metrics?.haConnections.set(this.readyConnections);
        if (this.#stopping) return;
        const delay = backoff.next();
        const reason = err?.message ?? (link.goingAway ? 'edge going away' : 'closed by the edge');
        log.warn(
          { edge: edgeAddress, reason, retryInMs: delay },
          `connection to the edge ${edgeAddress} lost (${reason}); reconnecting in ${seconds(delay)}`,
        );
        await sleep(this.#timers, delay, signal);
      } catch (e) {
        if (this.#stopping) return;
        const err =
          e instanceof WarrenError
            ? e
            : new WarrenError('WARREN_EDGE_UNREACHABLE', String(e), { cause: e, retryable: true });
        o.metrics?.registerFail.inc({ code: err.code });
        failures += 1;
        if (!err.retryable) {
          this.#fatal?.(err);
          return;
        }
        if (o.maxRetries !== undefined && failures > o.maxRetries) {
          this.#fatal?.(
            new WarrenError(
              err.code,
              `gave up after ${failures} failed attempts (--retries ${o.maxRetries}): ${err.message}`,
              { cause: err, retryable: false },
            ),
          );
          return;
        }
        if (LIMIT_CODES.has(err.code)) {
          const random = o.backoff?.random ?? Math.random;
          const delay = Math.max(backoff.next(), Math.round(LIMIT_RETRY_MS / 2 + (random() * LIMIT_RETRY_MS) / 2));
          // One line that names the limit (the edge's message carries its flag), then a slow retry.
          log.warn(
            { code: err.code, reason: err.message, retryInMs: delay },
            `refused by the edge's limit: ${err.message}; retrying in ${Math.round(delay / 1000)} s`,
          );
          await sleep(this.#timers, delay, signal);
          continue;
        }
        // One line per backoff step: what failed (the message names the edge), and when the next try is.
        const delay = backoff.next();
        log.warn(
          { code: err.code, edge: edgeAddress, attempt: failures, retryInMs: delay },
          `${err.message}; retrying in ${seconds(delay)} (attempt ${failures}${hintFor(err)})`,
        );
        await sleep(this.#timers, delay, signal);
      }
    }
  }

  /**
   * Asks the edge to send no new requests on any link, now and on links that register later,
   * until `resume()` (the origin health check failed). Requests in flight finish.
   */
  pause(): void {
    if (this.#paused || this.#stopping) return;
    this.#paused = true;
    for (const l of this.#links) void l?.unregister();
    this.#o.logger.warn({ links: this.readyConnections }, 'paused: asked the edge to send this replica no requests');
  }

  /** Undoes `pause()`: the edge spreads requests over this replica's links again. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#stopping) return; // the shutdown's Unregister stands
    for (const l of this.#links) l?.resume();
    this.#o.logger.info({ links: this.readyConnections }, 'resumed: the edge sends this replica requests again');
  }

  /**
   * Graceful stop: unregister every link (the edge sends nothing new), let in-flight
   * requests finish within `graceMs`, then close.
   */
  async shutdown(graceMs = DEFAULT_GRACE_PERIOD_MS): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    // Wait for the edge's acknowledgements (bounded): streams it opened before them still
    // arrive, and closing earlier would cut those off.
    const acked = Promise.all(this.#links.map((l) => l?.unregister()));
    const timers = this.#timers;
    await Promise.race([acked, sleep(timers, Math.min(graceMs, UNREGISTER_ACK_TIMEOUT_MS))]);
    const deadline = timers.now().getTime() + graceMs;
    while (this.inFlight > 0 && timers.now().getTime() < deadline) await sleep(timers, DRAIN_POLL_MS);
    for (const l of this.#links) l?.close();
    await Promise.race([Promise.all(this.#links.map((l) => l?.closed)), sleep(timers, LINK_CLOSE_WAIT_MS)]);
    for (const l of this.#links) l?.destroy();
  }
}

/**
 * A wait the process stays alive for (a connector between reconnects has nothing else pending).
 * Its abort listener goes when the wait ends, either way: one left per wait piled up on the
 * connector's one signal while registration kept failing (MaxListenersExceededWarning).
 */
function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = timers.after(ms, done, { ref: true });
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves with `until`, or when `signal` aborts; the abort listener goes either way. */
function untilOrAbort(until: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    until.then(done, done);
  });
}

/** What to check when the edge cannot be reached at all; registration refusals say it themselves. */
function hintFor(err: WarrenError): string {
  if (err.code !== 'WARREN_EDGE_UNREACHABLE') return '';
  return '; check that the edge runs there: --edge is HOST:PORT of its tunnel port, 7844 by default';
}

/** "0.25 s", "8 s": a backoff delay as the retry line says it. */
function seconds(ms: number): string {
  return `${ms < 10_000 ? Number((ms / 1000).toFixed(2)) : Math.round(ms / 1000)} s`;
}
