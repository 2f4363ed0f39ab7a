import { domainToASCII } from 'node:url';
import { WarrenError } from '../../errors/index.js';
import { filePathProblem } from './file-path-problem.js';
import { IngressError } from './ingress-error.js';
import { IngressRule, type RuleFiles } from './ingress-rule.js';
import {
  type AccessConfig,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CHECK_UNHEALTHY_THRESHOLD,
  DEFAULT_ORIGIN_REQUEST,
  type HealthCheckConfig,
  type HealthCheckOverrides,
  MIN_HEALTH_CHECK_INTERVAL_MS,
  mergeOriginRequest,
  type OriginRequestConfig,
  type OriginRequestOverrides,
} from './origin-request.js';
import { describeService, type OriginService, parseOriginService } from './origin-service.js';
import { PathPattern } from './path-pattern.js';
import { requestHost, requestPath } from './request-target.js';
import { checkTcpOptions } from './tcp-options-check.js';
import type { UnvalidatedIngressRule } from './unvalidated-ingress-rule.js';

/**
 * Validated ingress rules (cloudflared's `Ingress`): the first rule matching a request's
 * host and path wins; the last rule, and only the last, matches everything.
 *
 * `validate` checks shapes only and never touches a filesystem: the control plane runs it on a
 * tenant's configuration, and the paths in it (caPool, tlsClientCert/Key, `unix:` sockets)
 * name files on the connector's host. The connector reads them with `loadOriginFiles`
 * (src/connector/origin-files/), which returns the same rules with `filesLoaded` true.
 *
 * @example
 * const ingress = Ingress.validate([
 *   { hostname: 'app.example.com', service: 'http://localhost:8000' },
 *   { service: 'http_status:404' },
 * ]);
 * ingress.match('app.example.com', '/').service; // { kind: 'http', … }
 */
export class Ingress {
  readonly rules: readonly IngressRule[];
  /** The global `originRequest`, every value resolved. */
  readonly defaults: OriginRequestConfig;
  /**
   * The files the rules name have been read (or they name none). An `OriginProxy` takes only such
   * rules: the PEMs live in the rules, and `~` in a socket path is the connector's home.
   */
  readonly filesLoaded: boolean;
  readonly #only: IngressRule | undefined;
  readonly #last: IngressRule;

  private constructor(rules: IngressRule[], defaults: OriginRequestConfig, loaded: boolean) {
    this.rules = rules;
    this.defaults = defaults;
    this.filesLoaded = loaded || !rules.some((r) => r.namesFiles);
    this.#last = rules[rules.length - 1] as IngressRule;
    this.#only = rules.length === 1 ? this.#last : undefined;
  }

  /** The same rules with what the connector read for each (one entry per rule, in order). */
  withFiles(files: readonly (RuleFiles | undefined)[]): Ingress {
    if (files.length !== this.rules.length) {
      throw new TypeError(`withFiles: ${files.length} entries for ${this.rules.length} rules`);
    }
    const rules = this.rules.map((r, i) => r.withFiles(files[i] ?? {}));
    return new Ingress(rules, this.defaults, true);
  }

  /** Turns raw rules into an `Ingress`, or throws an `IngressError` naming the rule and the fix. */
  static validate(raw: readonly UnvalidatedIngressRule[], globalOverrides: OriginRequestOverrides = {}): Ingress {
    const defaults = mergeOriginRequest(DEFAULT_ORIGIN_REQUEST, globalOverrides);
    checkOriginRequest(undefined, defaults);
    checkTcpOptions(undefined, undefined, defaults, undefined);
    defaults.healthCheck = globalHealthCheck(globalOverrides.healthCheck);
    if (raw.length === 0) {
      throw new IngressError(
        undefined,
        'there are no ingress rules',
        'add at least a catch-all rule as the last one, e.g. "- service: http_status:404"',
      );
    }
    const rules = raw.map((r, i) => validateRule(r, i, raw.length, defaults, globalOverrides.healthCheck));
    return new Ingress(rules, defaults, false);
  }

  /** One catch-all rule for a single origin (`--url`), like cloudflared's CLI ingress. */
  static fromUrl(url: string, overrides: OriginRequestOverrides = {}): Ingress {
    try {
      return Ingress.validate([{ service: url }], overrides);
    } catch (err) {
      if (!(err instanceof IngressError)) throw err;
      const problem = err.problem.replace(/^service /, '');
      throw new WarrenError('WARREN_CONFIG_INVALID', `--url ${problem}; ${err.fix}`, { cause: err });
    }
  }

  /** The rule for a request's host (normalized) and URL path. */
  match(host: string, path: string): IngressRule {
    const only = this.#only;
    if (only !== undefined) return only;
    const rules = this.rules;
    for (let i = 0; i < rules.length - 1; i++) {
      const r = rules[i] as IngressRule;
      if (r.matches(host, path)) return r;
    }
    return this.#last;
  }

  /** The rule for a proxied request: Host from its raw headers, path from its target. */
  matchRequest(rawHeaders: readonly string[], target: string): IngressRule {
    const only = this.#only;
    if (only !== undefined) return only;
    return this.match(requestHost(rawHeaders), requestPath(target));
  }
}

function validateRule(
  r: UnvalidatedIngressRule,
  index: number,
  total: number,
  defaults: OriginRequestConfig,
  globalHealth: HealthCheckOverrides | undefined,
): IngressRule {
  const n = index + 1;
  if (r.service === undefined || r.service.trim() === '') {
    throw new IngressError(n, 'has no service', 'add e.g. "service: http://localhost:8080"');
  }
  let service: ReturnType<typeof parseOriginService>;
  try {
    service = parseOriginService(r.service);
  } catch (err) {
    if (err instanceof IngressError && err.ruleNumber === undefined) {
      throw new IngressError(n, `service ${err.problem}`, err.fix);
    }
    throw err;
  }
  const hostname = validateHostname(r.hostname ?? '', n);
  const pathSource = r.path ?? '';
  const anyHost = hostname === '' || hostname === '*';
  const catchAll = anyHost && pathSource === '';
  const last = index === total - 1;
  if (last && !catchAll) {
    throw new IngressError(
      n,
      `is the last rule but matches only ${pathSource !== '' ? `path "${pathSource}"` : `hostname "${hostname}"`}; the last rule must match every request`,
      'add a final rule without hostname and path, e.g. "- service: http_status:404"',
    );
  }
  if (!last && catchAll) {
    throw new IngressError(
      n,
      `matches every request${hostname === '*' ? ' (hostname "*")' : ' (no hostname and no path)'}, so the ${total - n === 1 ? 'rule' : `${total - n} rules`} after it would never be used`,
      'give it a hostname or a path, or move it to the end of the list',
    );
  }
  let punycodeHostname: string | undefined;
  if (!anyHost) {
    const wild = hostname.startsWith('*.');
    const ascii = domainToASCII(wild ? hostname.slice(2) : hostname);
    if (ascii === '') {
      throw new IngressError(n, `hostname "${hostname}" is not a valid domain name`, 'write e.g. "app.example.com"');
    }
    const puny = wild ? `*.${ascii}` : ascii;
    if (puny !== hostname) punycodeHostname = puny;
  }
  const path = pathSource === '' ? undefined : PathPattern.compile(pathSource, n);
  const originRequest = mergeOriginRequest(defaults, r.originRequest ?? {});
  checkOriginRequest(n, originRequest);
  checkTcpOptions(n, service, originRequest, r.originRequest);
  originRequest.healthCheck = ruleHealthCheck(n, service, globalHealth, r.originRequest?.healthCheck);
  return new IngressRule({
    index,
    hostname,
    punycodeHostname,
    path,
    pathSource,
    service,
    originRequest,
    caPem: undefined,
    clientCert: undefined,
  });
}

function validateHostname(raw: string, n: number): string {
  let h = raw.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.includes('://') || h.includes('/')) {
    throw new IngressError(
      n,
      `hostname "${raw}" is a URL`,
      'write only the host name (e.g. "app.example.com"); put paths in "path:"',
    );
  }
  if (/:\d*$/.test(h) && !h.endsWith(']')) {
    throw new IngressError(
      n,
      `hostname "${raw}" has a port`,
      `remove the port: write "${h.replace(/:\d*$/, '')}"; requests match whatever port they came in on`,
    );
  }
  const star = h.lastIndexOf('*');
  if (star > 0 || (star === 0 && h !== '*' && !h.startsWith('*.'))) {
    throw new IngressError(
      n,
      `hostname "${raw}" has a wildcard that is not the whole first label`,
      'use "*" only as the leading label, e.g. "*.example.com"',
    );
  }
  return h;
}

function checkOriginRequest(n: number | undefined, o: OriginRequestConfig): void {
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
function ruleHealthCheck(
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
function globalHealthCheck(global: HealthCheckOverrides | undefined): HealthCheckConfig | undefined {
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
