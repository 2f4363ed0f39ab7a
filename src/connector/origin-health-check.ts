import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthTarget } from './health-monitor.js';
import { describeService, type Ingress, type IngressRule } from './ingress/index.js';
import type { OriginPool } from './origin-pool.js';

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
 * keep-alive connections); resolves with the status once the (drained) body has ended.
 * The caller bounds it in time through `signal`.
 */
export function checkOriginHealth(pool: OriginPool, r: OriginHealthRequest, signal: AbortSignal): Promise<number> {
  const ep = pool.endpoint;
  const options: RequestOptions & { servername?: string } = {
    host: ep.host,
    port: ep.port,
    method: 'GET',
    path: r.path,
    headers: { host: r.host, 'user-agent': USER_AGENT, accept: '*/*' },
    agent: pool.agent,
    signal,
  };
  if (ep.socketPath !== undefined) options.socketPath = ep.socketPath;
  if (r.servername !== undefined) options.servername = r.servername;
  return new Promise<number>((resolve, reject) => {
    const req = (ep.tls ? httpsRequest : httpRequest)(options, (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', reject);
      res.on('end', () => resolve(status));
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
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
