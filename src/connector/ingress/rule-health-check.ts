import { IngressError } from './ingress-error.js';
import {
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  type HealthCheckConfig,
  type HealthCheckOverrides,
  MIN_HEALTH_CHECK_INTERVAL_MS,
} from './origin-request.js';
import { describeService, type OriginService } from './origin-service.js';

/**
 * The rule's health check: its own fields over the global ones over the defaults. Only rules
 * reaching an origin over HTTP (http(s), unix:) are checked; the others do not inherit the global one.
 */
export function ruleHealthCheck(
  n: number,
  service: OriginService,
  global: HealthCheckOverrides | undefined,
  own: HealthCheckOverrides | undefined,
): HealthCheckConfig | undefined {
  if (own === undefined && global === undefined) return undefined;
  if (service.kind !== 'http' && service.kind !== 'unix') {
    if (own === undefined) return undefined;
    throw new IngressError(
      n,
      `originRequest.healthCheck needs an http(s) or unix: service to check, but the service is "${describeService(service)}"`,
      'remove healthCheck from this rule, or point the rule at an http://, https:// or unix: origin',
    );
  }
  if (own !== undefined) checkHealthCheckFields(n, own);
  const where = 'originRequest.healthCheck';
  const inherited = own === undefined ? ' (the global originRequest.healthCheck sets none)' : '';
  const path = own?.path ?? global?.path;
  const intervalMs = own?.intervalMs ?? global?.intervalMs;
  if (path === undefined) {
    throw new IngressError(
      n,
      `${where} has no path${inherited}`,
      'add the path the origin answers health checks on, e.g. "path: /healthz"',
    );
  }
  if (intervalMs === undefined) {
    throw new IngressError(n, `${where} has no interval${inherited}`, 'add how often to check, e.g. "interval: 10s"');
  }
  return completed(path, intervalMs, own, global);
}

/** The global `healthCheck`, complete (every rule with an HTTP origin inherits it) or undefined. */
export function globalHealthCheck(global: HealthCheckOverrides | undefined): HealthCheckConfig | undefined {
  if (global === undefined) return undefined;
  checkHealthCheckFields(undefined, global);
  if (global.path === undefined || global.intervalMs === undefined) return undefined; // completed by the rules
  return completed(global.path, global.intervalMs, undefined, global);
}

/** A health check with its path and interval, the rest from the rule, else the global one, else the defaults. */
function completed(
  path: string,
  intervalMs: number,
  own: HealthCheckOverrides | undefined,
  global: HealthCheckOverrides | undefined,
): HealthCheckConfig {
  return {
    path,
    intervalMs,
    timeoutMs: own?.timeoutMs ?? global?.timeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
    unhealthyThreshold:
      own?.unhealthyThreshold ?? global?.unhealthyThreshold ?? DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  };
}

/** Checks the fields a `healthCheck` sets (whether it is complete is checked per rule). */
function checkHealthCheckFields(n: number | undefined, h: HealthCheckOverrides): void {
  const where = 'originRequest.healthCheck';
  // Printable ASCII only: node refuses to send anything else unencoded.
  if (h.path !== undefined && !/^\/[!-~]*$/.test(h.path)) {
    throw new IngressError(
      n,
      `${where}.path "${h.path}" is not a URL path`,
      'write a path starting with "/", with spaces and non-ASCII characters percent-encoded, e.g. "path: /healthz"',
    );
  }
  if (h.intervalMs !== undefined && !(h.intervalMs >= MIN_HEALTH_CHECK_INTERVAL_MS)) {
    throw new IngressError(
      n,
      `${where}.interval must be at least ${MIN_HEALTH_CHECK_INTERVAL_MS}ms`,
      'write e.g. "interval: 10s"',
    );
  }
  if (h.timeoutMs !== undefined && !(h.timeoutMs > 0)) {
    throw new IngressError(n, `${where}.timeout must be longer than zero`, 'write e.g. "timeout: 2s"');
  }
  const t = h.unhealthyThreshold;
  if (t !== undefined && (!Number.isInteger(t) || t < 1)) {
    throw new IngressError(
      n,
      `${where}.unhealthyThreshold must be a whole number of failed checks, 1 or more`,
      'write e.g. "unhealthyThreshold: 2"',
    );
  }
}
