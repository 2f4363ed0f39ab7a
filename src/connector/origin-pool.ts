import { createHash } from 'node:crypto';
import { type ClientRequestArgs, Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rootCertificates, type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { Pool as UndiciPool } from 'undici';
import { WarrenError } from '../errors/index.js';
import type { IngressRule } from './ingress/index.js';

// Only undici's Pool, not its package entry: the entry also loads fetch, WebSocket, caches and
// mocks, 9 MiB more resident memory in every connector (idle RSS is a target of the benchmark).
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

/** Where one pool's connections go and how they are made. */
export interface OriginEndpoint {
  tls: boolean;
  host: string;
  port: number;
  /** unix: and unix+tls: services */
  socketPath: string | undefined;
}

type ConnectFn = (options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => Duplex;

/**
 * Keep-alive connections to one origin (cloudflared keeps one http.Transport per origin):
 * named connect and TLS timeouts armed once per new connection, not per request.
 */
export class OriginPool {
  readonly key: string;
  readonly endpoint: OriginEndpoint;
  readonly agent: HttpAgent;
  /** For upgrades, which never return to the pool: a fresh connection with the same timeouts and TLS. */
  readonly connect: ConnectFn;
  /** TLS settings requests through this pool carry (used by upgrades; the agent has its own copy). */
  readonly tlsOptions: TlsConnectionOptions | undefined;
  /**
   * Plain-http origins (TCP or unix socket): undici's pool for ordinary requests. It costs about
   * half the CPU per request of node's http client (the connector's hot path); upgrades and https
   * origins still go through `agent`.
   */
  readonly fast: UndiciPool | undefined;

  /** `extraCa`: PEM trusted for https origins besides the system roots and the rule's caPool (warren's origin CA root). */
  constructor(endpoint: OriginEndpoint, rule: IngressRule, extraCa?: string) {
    const o = rule.originRequest;
    this.endpoint = endpoint;
    this.key = OriginPool.keyOf(endpoint, rule);
    const connectMs = o.connectTimeoutMs;
    const tlsMs = o.tlsTimeoutMs;
    const pooled = o.keepAliveConnections > 0;
    const common = {
      keepAlive: pooled,
      // node reads 0 as "default" (256), so "no idle connections" is keepAlive: false above.
      maxFreeSockets: Math.max(1, o.keepAliveConnections),
      timeout: o.keepAliveTimeoutMs,
      scheduling: 'lifo' as const,
      keepAliveMsecs: o.tcpKeepAliveMs,
      ...(o.tcpKeepAliveMs > 0 ? { keepAliveInitialDelay: o.tcpKeepAliveMs } : {}),
    };
    if (endpoint.tls) {
      const tlsOptions: TlsConnectionOptions = {
        rejectUnauthorized: !o.noTLSVerify,
        // caPool adds to the system roots, as cloudflared does.
        ...(rule.caPem !== undefined || extraCa !== undefined
          ? { ca: [...rootCertificates, ...[rule.caPem, extraCa].filter((c): c is string => c !== undefined)] }
          : {}),
        ...(o.originServerName !== undefined ? { servername: o.originServerName } : {}),
      };
      this.tlsOptions = tlsOptions;
      this.fast = undefined;
      const agent = new HttpsAgent({ ...common, ...tlsOptions });
      const base = agent.createConnection.bind(agent) as ConnectFn;
      agent.createConnection = (options, cb) => armTimeouts(base(options, cb) as Socket, connectMs, tlsMs, true);
      this.agent = agent;
      this.connect = (options) =>
        armTimeouts(
          // Fresh options: the request's own `path` is its URL path, which tls.connect would take for a socket path.
          tlsConnect({ ...pathOrHost(endpoint, options), ...tlsOptions }),
          connectMs,
          tlsMs,
          true,
        );
    } else {
      this.tlsOptions = undefined;
      this.fast = pooled
        ? new Pool(
            endpoint.socketPath !== undefined
              ? 'http://localhost'
              : `http://${hostForUrl(endpoint.host)}:${endpoint.port}`,
            {
              ...(endpoint.socketPath !== undefined ? { socketPath: endpoint.socketPath } : {}),
              connections: null,
              pipelining: 1,
              keepAliveTimeout: o.keepAliveTimeoutMs,
              keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs, 1_000),
              headersTimeout: 0, // the edge owns the response timeout (504)
              bodyTimeout: 0, // bodies may pause for as long as the visitor reads slowly
              connect: {
                timeout: connectMs,
                ...(o.tcpKeepAliveMs > 0 ? { keepAlive: true, keepAliveInitialDelay: o.tcpKeepAliveMs } : {}),
              },
            },
          )
        : undefined;
      const agent = new HttpAgent(common);
      const base = agent.createConnection.bind(agent) as ConnectFn;
      agent.createConnection = (options, cb) => armTimeouts(base(options, cb) as Socket, connectMs, tlsMs, false);
      this.agent = agent;
      this.connect = (options) =>
        armTimeouts(
          netConnect(
            endpoint.socketPath !== undefined
              ? { path: endpoint.socketPath }
              : { host: endpoint.host, port: endpoint.port, ...(options.family ? { family: options.family } : {}) },
          ),
          connectMs,
          tlsMs,
          false,
        );
    }
  }

  /** Rules whose connections can be shared map to the same key. */
  static keyOf(endpoint: OriginEndpoint, rule: IngressRule): string {
    const o = rule.originRequest;
    const ca = rule.caPem === undefined ? '' : createHash('sha256').update(rule.caPem).digest('base64');
    return [
      endpoint.tls ? 'https' : 'http',
      endpoint.socketPath ?? `${endpoint.host}:${endpoint.port}`,
      o.connectTimeoutMs,
      o.tlsTimeoutMs,
      o.tcpKeepAliveMs,
      o.keepAliveConnections,
      o.keepAliveTimeoutMs,
      o.originServerName ?? '',
      o.noTLSVerify,
      ca,
    ].join('|');
  }

  /**
   * Stops pooling (after a reload dropped the rules using it): idle connections close now,
   * requests in flight finish on theirs, which then close instead of returning to the pool.
   */
  retire(): void {
    (this.agent as unknown as { keepAlive: boolean }).keepAlive = false;
    for (const list of Object.values(this.agent.freeSockets)) for (const s of list ?? []) s.destroy();
    // close() lets requests in flight finish, then closes the connections.
    void this.fast?.close().catch(() => {});
  }

  destroy(): void {
    this.agent.destroy();
    void this.fast?.destroy().catch(() => {});
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function pathOrHost(endpoint: OriginEndpoint, options: ClientRequestArgs): TlsConnectionOptions {
  const servername = (options as { servername?: string }).servername;
  const target: TlsConnectionOptions =
    endpoint.socketPath !== undefined ? { path: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  // An explicit originServerName (in tlsOptions) wins; else the request's (matchSNItoHost).
  if (servername !== undefined && servername !== '') target.servername = servername;
  return target;
}

function armTimeouts<S extends Socket>(socket: S, connectMs: number, tlsMs: number, tls: boolean): S {
  let timer: NodeJS.Timeout | undefined;
  const clear = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const tlsPhase = (): void => {
    clear();
    if (!tls) return;
    timer = setTimeout(() => {
      socket.destroy(
        new WarrenError(
          'WARREN_ORIGIN_TIMEOUT',
          `the TLS handshake with the origin did not finish within ${tlsMs} ms (originRequest.tlsTimeout)`,
        ),
      );
    }, tlsMs);
    socket.once('secureConnect', clear);
  };
  if (socket.connecting) {
    timer = setTimeout(() => {
      socket.destroy(
        new WarrenError(
          'WARREN_ORIGIN_TIMEOUT',
          `no connection to the origin within ${connectMs} ms (originRequest.connectTimeout)`,
        ),
      );
    }, connectMs);
    socket.once('connect', tlsPhase);
  } else {
    tlsPhase();
  }
  socket.once('close', clear);
  return socket;
}
