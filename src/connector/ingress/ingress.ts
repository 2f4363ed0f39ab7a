import { domainToASCII } from 'node:url';
import { WarrenError } from '../../errors/index.js';
import { IngressError, IngressErrors } from './ingress-error.js';
import { IngressRule, type RuleFiles } from './ingress-rule.js';
import {
  DEFAULT_ORIGIN_REQUEST,
  type HealthCheckOverrides,
  mergeOriginRequest,
  type OriginRequestConfig,
  type OriginRequestOverrides,
} from './origin-request.js';
import { checkOriginRequest } from './origin-request-check.js';
import { type OriginService, parseOriginService } from './origin-service.js';
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

  /**
   * Turns raw rules into an `Ingress`, or throws naming the rule, the field and the fix. Every
   * rule is checked: several problems throw one `IngressErrors` listing them all, in order.
   */
  static validate(raw: readonly UnvalidatedIngressRule[], globalOverrides: OriginRequestOverrides = {}): Ingress {
    const problems: IngressError[] = [];
    const defaults = mergeOriginRequest(DEFAULT_ORIGIN_REQUEST, globalOverrides);
    attempt(problems, 'originRequest', () => {
      checkOriginRequest(undefined, defaults);
      checkTcpOptions(undefined, undefined, defaults, undefined);
      defaults.healthCheck = globalHealthCheck(globalOverrides.healthCheck);
    });
    if (raw.length === 0) {
      problems.push(
        new IngressError(
          undefined,
          'there are no ingress rules',
          'add at least a catch-all rule as the last one, e.g. "- service: http_status:404"',
          'ingress',
        ),
      );
    }
    // A bad global originRequest is said once: the rules are then checked for their own keys only.
    const globalOk = problems.length === 0;
    const base = globalOk ? defaults : mergeOriginRequest(DEFAULT_ORIGIN_REQUEST, {});
    const health = globalOk ? globalOverrides.healthCheck : undefined;
    const rules = raw.map((r, i) => validateRule(r, i, raw.length, base, health, problems));
    if (problems.length > 0) throw IngressErrors.of(problems);
    return new Ingress(rules as IngressRule[], defaults, false);
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

/**
 * Runs one check; its IngressError joins `problems`, named by `field` (an originRequest problem
 * names its own key: `originRequest.connectTimeout must be …` → that key). Returns undefined then.
 */
function attempt<T>(problems: IngressError[], field: string | undefined, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof IngressError)) throw err;
    const own = /^(originRequest(?:\.[A-Za-z]+)*)\b/.exec(err.problem)?.[1];
    problems.push(err.withField(field === 'originRequest' ? (own ?? field) : field));
    return undefined;
  }
}

/** One rule, every field checked; undefined (with its problems added) when any is wrong. */
function validateRule(
  r: UnvalidatedIngressRule,
  index: number,
  total: number,
  defaults: OriginRequestConfig,
  globalHealth: HealthCheckOverrides | undefined,
  problems: IngressError[],
): IngressRule | undefined {
  const n = index + 1;
  const before = problems.length;
  const service = attempt(problems, 'service', (): OriginService => {
    if (r.service === undefined || r.service.trim() === '') {
      throw new IngressError(n, 'has no service', 'add e.g. "service: http://localhost:8080"');
    }
    try {
      return parseOriginService(r.service);
    } catch (err) {
      if (err instanceof IngressError && err.ruleNumber === undefined) {
        throw new IngressError(n, `service ${err.problem}`, err.fix);
      }
      throw err;
    }
  });
  const host = attempt(problems, 'hostname', () => checkedHostname(r.hostname ?? '', n));
  const pathSource = r.path ?? '';
  if (host !== undefined) {
    // Where the rule stands: only a hostname that could be read says whether it matches everything.
    attempt(problems, undefined, () => checkPlace(host.hostname, pathSource, index, total));
  }
  const path = pathSource === '' ? undefined : attempt(problems, 'path', () => PathPattern.compile(pathSource, n));
  const originRequest = mergeOriginRequest(defaults, r.originRequest ?? {});
  attempt(problems, 'originRequest', () => {
    checkOriginRequest(n, originRequest);
    if (service === undefined) return;
    checkTcpOptions(n, service, originRequest, r.originRequest);
    originRequest.healthCheck = ruleHealthCheck(n, service, globalHealth, r.originRequest?.healthCheck);
  });
  if (problems.length > before || service === undefined || host === undefined) return undefined;
  return new IngressRule({
    index,
    hostname: host.hostname,
    punycodeHostname: host.punycode,
    path,
    pathSource,
    service,
    originRequest,
    caPem: undefined,
    clientCert: undefined,
  });
}

/** Only the last rule, and it always, matches every request. */
function checkPlace(hostname: string, pathSource: string, index: number, total: number): void {
  const n = index + 1;
  const catchAll = (hostname === '' || hostname === '*') && pathSource === '';
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
}

/** The hostname as matched, and its punycode form when that differs. */
function checkedHostname(raw: string, n: number): { hostname: string; punycode: string | undefined } {
  const hostname = validateHostname(raw, n);
  if (hostname === '' || hostname === '*') return { hostname, punycode: undefined };
  const wild = hostname.startsWith('*.');
  const ascii = domainToASCII(wild ? hostname.slice(2) : hostname);
  if (ascii === '') {
    throw new IngressError(n, `hostname "${hostname}" is not a valid domain name`, 'write e.g. "app.example.com"');
  }
  const puny = wild ? `*.${ascii}` : ascii;
  return { hostname, punycode: puny === hostname ? undefined : puny };
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
