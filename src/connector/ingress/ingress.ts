import { domainToASCII } from 'node:url';
import { WarrenError } from '../../errors/index.js';
import { filePathProblem } from './file-path-problem.js';
import { IngressError } from './ingress-error.js';
import { IngressRule, type RuleFiles } from './ingress-rule.js';
import {
  type AccessConfig,
  DEFAULT_ORIGIN_REQUEST,
  type HealthCheckOverrides,
  mergeOriginRequest,
  type OriginRequestConfig,
  type OriginRequestOverrides,
} from './origin-request.js';
import { parseOriginService } from './origin-service.js';
import { PathPattern } from './path-pattern.js';
import { requestHost, requestPath } from './request-target.js';
import { globalHealthCheck, ruleHealthCheck } from './rule-health-check.js';
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
