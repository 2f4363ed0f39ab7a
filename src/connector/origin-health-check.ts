import type { HealthTarget } from './health-monitor.js';
import { describeService, type Ingress, type IngressRule } from './ingress/index.js';
import type { OriginPool } from './origin-pool.js';
import type { OriginRequest, OriginResponseHandler } from './origin-request.js';

/** What one health check sends. */
export interface OriginHealthRequest {
  /** Path and query, as configured. */
  path: string;
  /** Host header. */
  host: string;
  /** SNI for https origins when the rule sends the visitor's name (matchSNItoHost); else the pool's. */
  servername: string | undefined;
}

const USER_AGENT = 'warren-healthcheck';

/**
 * One GET of a health path through the rule's pool (its TLS settings, unix socket and
 * keep-alive connections, as requests go); resolves with the status once the (drained) body has
 * ended. The caller bounds it in time through `signal`.
 */
export function checkOriginHealth(pool: OriginPool, r: OriginHealthRequest, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const check = new HealthCheck(r, signal, resolve, reject);
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', check.onAbort, { once: true });
    pool.dispatch(check, check);
  });
}

class HealthCheck implements OriginRequest, OriginResponseHandler {
  readonly method = 'GET';
  readonly path: string;
  readonly headers: string[];
  readonly body = null;
  readonly servername: string | undefined;
  readonly #signal: AbortSignal;
  readonly #resolve: (status: number) => void;
  readonly #reject: (err: unknown) => void;
  #abort: ((err?: Error) => void) | undefined;
  #status = 0;

  constructor(r: OriginHealthRequest, signal: AbortSignal, resolve: (s: number) => void, reject: (e: unknown) => void) {
    this.path = r.path;
    this.headers = ['host', r.host, 'user-agent', USER_AGENT, 'accept', '*/*'];
    this.servername = r.servername;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  readonly onAbort = (): void => {
    this.#abort?.(this.#signal.reason instanceof Error ? this.#signal.reason : undefined);
    this.#reject(this.#signal.reason);
  };

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
  }

  onHeaders(status: number): void {
    this.#status = status;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    this.#signal.removeEventListener('abort', this.onAbort);
    this.#resolve(this.#status);
  }

  onError(err: Error): void {
    this.#signal.removeEventListener('abort', this.onAbort);
    this.#reject(err);
  }
}

/**
 * The health-checked rules of `ingress` as monitor targets, each checking through the pool
 * `poolFor` gives for it (the origin proxy's, so checks and requests share settings).
 */
export function healthTargetsOf(
  ingress: Ingress,
  poolFor: (rule: IngressRule) => OriginPool | undefined,
): HealthTarget[] {
  const targets: HealthTarget[] = [];
  for (const rule of ingress.rules) {
    const check = rule.originRequest.healthCheck;
    const pool = poolFor(rule);
    if (check === undefined || pool === undefined) continue;
    const request = healthRequestOf(rule);
    const originService = describeService(rule.service);
    targets.push({
      key: [
        rule.index,
        pool.key,
        request.path,
        request.host,
        request.servername ?? '',
        check.intervalMs,
        check.timeoutMs,
        check.unhealthyThreshold,
      ].join('|'),
      rule: rule.index + 1,
      originService,
      check,
      probe: (signal) => checkOriginHealth(pool, request, signal),
    });
  }
  return targets;
}

/**
 * Host header of a check: `httpHostHeader` when set (as requests get), else the rule's own
 * hostname (what visitors send), else the origin's host (wildcard and catch-all rules).
 */
export function healthRequestOf(rule: IngressRule): OriginHealthRequest {
  const o = rule.originRequest;
  const check = o.healthCheck;
  const named = rule.hostname !== '' && !rule.hostname.startsWith('*');
  const name = rule.punycodeHostname ?? rule.hostname;
  const s = rule.service;
  const originHost = s.kind === 'http' ? s.url.host : 'localhost';
  const host = o.httpHostHeader ?? (named ? name : originHost);
  const servername = o.matchSNItoHost && o.originServerName === undefined && named ? name : undefined;
  return { path: check?.path ?? '/', host, servername };
}
