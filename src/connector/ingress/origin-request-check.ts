import { filePathProblem } from './file-path-problem.js';
import { IngressError } from './ingress-error.js';
import {
  type AccessConfig,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  type HealthCheckConfig,
  type HealthCheckOverrides,
  MIN_HEALTH_CHECK_INTERVAL_MS,
  type OriginRequestConfig,
} from './origin-request.js';
import { describeService, type OriginService } from './origin-service.js';

/*
 * The checks of an `originRequest` once merged (a rule's over the global one over the defaults),
 * and of its health check. Each throws an IngressError whose problem starts with the key at fault
 * (`originRequest.connectTimeout …`), which Ingress.validate turns into the error's field.
 */

export function checkOriginRequest(n: number | undefined, o: OriginRequestConfig): void {
  const where = 'originRequest';
  const durations: [keyof OriginRequestConfig, number][] = [
    ['connectTimeoutMs', o.connectTimeoutMs],
    ['tlsTimeoutMs', o.tlsTimeoutMs],
    ['keepAliveTimeoutMs', o.keepAliveTimeoutMs],
  ];
  for (const [key, ms] of durations) {
    if (!(ms > 0)) {
      const name = key.replace(/Ms$/, '');
      throw new IngressError(n, `${where}.${name} must be longer than zero`, `write e.g. "${name}: 30s"`);
    }
  }
  if (!(o.tcpKeepAliveMs >= 0)) {
    throw new IngressError(n, `${where}.tcpKeepAlive cannot be negative`, 'write e.g. "tcpKeepAlive: 30s"');
  }
  if (!Number.isInteger(o.keepAliveConnections) || o.keepAliveConnections < 0) {
    throw new IngressError(
      n,
      `${where}.keepAliveConnections must be a whole number of connections, 0 or more`,
      'write e.g. "keepAliveConnections: 100"',
    );
  }
  if (o.httpHostHeader !== undefined && !/^[^\s/]+$/.test(o.httpHostHeader)) {
    throw new IngressError(
      n,
      `${where}.httpHostHeader "${o.httpHostHeader}" is not a host`,
      'write a host name with an optional port, e.g. "httpHostHeader: app.internal:8080"',
    );
  }
  if (o.access !== undefined) checkAccess(n, o.access);
  checkFilePaths(n, o);
}

/**
 * The file paths of an originRequest, by shape only: they name files on the connector's host,
 * read when the connector applies the rules (never here: see the class comment).
 */
function checkFilePaths(n: number | undefined, o: OriginRequestConfig): void {
  const fields = [
    ['caPool', o.caPool],
    ['tlsClientCert', o.tlsClientCert],
    ['tlsClientKey', o.tlsClientKey],
  ] as const;
  for (const [name, path] of fields) {
    if (path === undefined) continue;
    const problem = filePathProblem(path);
    if (problem !== undefined) {
      throw new IngressError(
        n,
        `originRequest.${name} ${problem}`,
        "write the path of a PEM file on the connector's host, e.g. /etc/warren/origin.pem or ~/origin.pem",
      );
    }
  }
  if ((o.tlsClientCert === undefined) !== (o.tlsClientKey === undefined)) {
    const [set, missing] =
      o.tlsClientCert === undefined ? ['tlsClientKey', 'tlsClientCert'] : ['tlsClientCert', 'tlsClientKey'];
    throw new IngressError(
      n,
      `originRequest sets ${set} without ${missing}`,
      'set both: tlsClientCert to the PEM certificate and tlsClientKey to its PEM private key',
    );
  }
}

function checkAccess(n: number | undefined, a: AccessConfig): void {
  if (a.required && a.teamName === '' && a.audTag.length > 0) {
    throw new IngressError(
      n,
      'originRequest.access has audTag but no teamName',
      'add "teamName: <your team>" (the <team> in <team>.access.<domain>)',
    );
  }
}

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
  return {
    path,
    intervalMs,
    timeoutMs: own?.timeoutMs ?? global?.timeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
    unhealthyThreshold:
      own?.unhealthyThreshold ?? global?.unhealthyThreshold ?? DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  };
}

/** The global `healthCheck`, complete (every rule with an HTTP origin inherits it) or undefined. */
export function globalHealthCheck(global: HealthCheckOverrides | undefined): HealthCheckConfig | undefined {
  if (global === undefined) return undefined;
  checkHealthCheckFields(undefined, global);
  if (global.path === undefined || global.intervalMs === undefined) return undefined; // completed by the rules
  return {
    path: global.path,
    intervalMs: global.intervalMs,
    timeoutMs: global.timeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
    unhealthyThreshold: global.unhealthyThreshold ?? DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
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
