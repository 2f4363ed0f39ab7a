import type { OriginRequestConfig } from './origin-request.js';
import { describeService, type OriginService } from './origin-service.js';
import type { PathPattern } from './path-pattern.js';

export interface IngressRuleInit {
  index: number;
  hostname: string;
  punycodeHostname: string | undefined;
  path: PathPattern | undefined;
  pathSource: string;
  service: OriginService;
  originRequest: OriginRequestConfig;
  /** PEM text of `originRequest.caPool`, read by the connector (`loadOriginFiles`); undefined until then. */
  caPem: string | undefined;
  /** PEM texts of `originRequest.tlsClientCert` and `tlsClientKey`, read and matched by the connector. */
  clientCert: OriginClientCert | undefined;
}

/** What the connector read for one rule (`Ingress.withFiles`). */
export interface RuleFiles {
  caPem?: string | undefined;
  clientCert?: OriginClientCert | undefined;
  /** A `unix:` service with `~` expanded to the connector's home. */
  service?: OriginService | undefined;
}

/** A client certificate and its key, presented to https origins that ask for one. */
export interface OriginClientCert {
  cert: string;
  key: string;
}

/** One validated ingress rule. */
export class IngressRule {
  /** 0-based position; users see `index + 1`. */
  readonly index: number;
  /** Lower case; '' or '*' matches every host. */
  readonly hostname: string;
  /** The hostname in punycode when it differs (IDN), matched as well. */
  readonly punycodeHostname: string | undefined;
  /** RE2 (linear time), as cloudflared's. */
  readonly path: PathPattern | undefined;
  /** The `path` as written. */
  readonly pathSource: string;
  readonly service: OriginService;
  readonly originRequest: OriginRequestConfig;
  readonly caPem: string | undefined;
  readonly clientCert: OriginClientCert | undefined;
  readonly #anyHost: boolean;
  readonly #init: IngressRuleInit;

  constructor(init: IngressRuleInit) {
    this.#init = init;
    this.index = init.index;
    this.hostname = init.hostname;
    this.punycodeHostname = init.punycodeHostname;
    this.path = init.path;
    this.pathSource = init.pathSource;
    this.service = init.service;
    this.originRequest = init.originRequest;
    this.caPem = init.caPem;
    this.clientCert = init.clientCert;
    this.#anyHost = init.hostname === '' || init.hostname === '*';
  }

  /** The rule names files on the connector's host that `loadOriginFiles` reads (or a socket under `~`). */
  get namesFiles(): boolean {
    const o = this.originRequest;
    if (o.caPool !== undefined || o.tlsClientCert !== undefined || o.tlsClientKey !== undefined) return true;
    return this.service.kind === 'unix' && this.service.path.startsWith('~');
  }

  /** This rule with what the connector read for it. */
  withFiles(files: RuleFiles): IngressRule {
    return new IngressRule({
      ...this.#init,
      caPem: files.caPem,
      clientCert: files.clientCert,
      service: files.service ?? this.#init.service,
    });
  }

  get isCatchAll(): boolean {
    return this.#anyHost && this.path === undefined;
  }

  /** `host` as from `normalizeHost` (lower case, no port); `path` as from `requestPath`. */
  matches(host: string, path: string): boolean {
    if (
      !this.#anyHost &&
      !matchHost(this.hostname, host) &&
      (this.punycodeHostname === undefined || !matchHost(this.punycodeHostname, host))
    ) {
      return false;
    }
    return this.path === undefined || this.path.test(path);
  }

  /** cloudflared's multi-line form, as `warren tunnel ingress rule` prints it. */
  toString(): string {
    let s = '';
    if (this.hostname !== '') s += `\thostname: ${this.hostname}\n`;
    if (this.path !== undefined) s += `\tpath: ${this.pathSource}\n`;
    return `${s}\tservice: ${describeService(this.service)}`;
  }
}

/** Exact, or `*.example.com` matching any name below example.com (never the apex itself). */
function matchHost(ruleHost: string, host: string): boolean {
  if (ruleHost === host) return true;
  return ruleHost.charCodeAt(0) === 42 /* * */ && host.length > ruleHost.length - 1 && host.endsWith(ruleHost.slice(1));
}
