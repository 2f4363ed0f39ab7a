import type { Logger } from 'pino';
import { WarrenError } from '../errors/index.js';
import { type ConfigStatus, parseConfigPush } from '../protocol/index.js';
import type { AccessVerifier } from './access-check.js';
import { accessProblemOf } from './access-jwt-verifier.js';
import {
  type ConnectorConfig,
  ingressErrorIn,
  ingressOf,
  loadConfigFile,
  parseRemoteConfig,
  singleOriginOverrides,
} from './config/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { HealthMonitor } from './health-monitor.js';
import { Ingress, IngressError, type OriginRequestOverrides, originUrlOf } from './ingress/index.js';
import { LogTap } from './log-tap.js';
import { loadOriginFiles } from './origin-files/index.js';
import { healthTargetsOf } from './origin-health-check.js';
import { OriginProxy } from './origin-proxy.js';

export interface OrchestratorOptions {
  /** The config file, loaded (undefined: none found). Its flags were already applied to the command line. */
  config: ConnectorConfig | undefined;
  /** `--url`: one origin for everything. */
  url: string | undefined;
  /** `--connect-timeout` when given on the command line (it then wins over the config file). */
  connectTimeoutMs: number | undefined;
  /** A quick tunnel serves --url only: a config file's ingress is ignored, and said so. */
  quick: boolean;
  /** PEM of warren's origin CA root: https origins with a certificate from it are trusted without a caPool. */
  originCaRoot?: string | undefined;
  metrics?: ConnectorMetrics | undefined;
  logger: Logger;
  accessVerifier?: AccessVerifier | undefined;
  /** D for Access rules whose teamName has no dot (`<teamName>.access.D`); default WARREN_DOMAIN. */
  accessDomain?: string | undefined;
  /** A named tunnel: its edge sends D at registration, so a short teamName is not a start-up problem. */
  accessDomainFromEdge?: boolean | undefined;
}

/** What a ConfigPush came to, for the link it arrived on and for the caller. */
export interface RemoteConfigOutcome {
  /** The rules changed for new streams. */
  changed: boolean;
  /** What to report to the edge; undefined for a push that names no usable version, or an older one. */
  status: ConfigStatus | undefined;
}

/** The configuration in use, for /ready and the logs. */
export interface ConfigurationState {
  source: 'local' | 'remote';
  /** The remote version served (0: none yet, or a local configuration). */
  version: number;
  /** The newest remote version refused since, and why (the connector serves `version`). */
  refused?: { version: number; reason: string };
}

/** The rules the orchestrator starts with, before their files are read. */
interface InitialIngress {
  ingress: Ingress;
  target: string;
  fromFile: boolean;
  fallback: boolean;
}

/**
 * Owns what the connector dispatches streams to (cloudflared's `orchestration/`): the ingress
 * built from the config file plus flags, the origin proxy serving it, and the health checks that
 * follow its rules. `updateIngress()` swaps the rules for new streams without touching those in
 * flight; the CLI calls it on SIGHUP, and a remotely pushed configuration goes through
 * `applyRemoteConfig`. Files the rules name are read (loadOriginFiles) before rules are applied,
 * one application at a time; rules whose files cannot be read leave the running ones in place.
 */
export class Orchestrator {
  readonly origin: OriginProxy;
  /**
   * Checks the rules with `originRequest.healthCheck` (none: it never changes state). Not started:
   * the caller sets `onChange` (pause/resume the connector) and then calls `start()`.
   */
  readonly health: HealthMonitor;
  /** For the "forwarding to …" line. */
  readonly target: string;
  /** The config file in use, if any. */
  readonly config: ConnectorConfig | undefined;
  /** The rules came from the config file, so re-reading it can change them. */
  readonly reloadable: boolean;
  /**
   * `remote`: a named tunnel run with nothing local that gives rules (no config file with
   * ingress, no --url): it serves what the edge pushes (`/configurations`). `local`: a file, a
   * flag or --url wins, as in cloudflared, and pushes are ignored.
   */
  readonly source: 'local' | 'remote';
  /** `warren tail`'s request logs: the Connector hands it the edge's Management frames. */
  readonly tap: LogTap;
  readonly #logger: Logger;
  /** The remote version in use (0: none yet). */
  #remoteVersion = 0;
  /** The newest version refused since, so its copies on the other links are answered, not tried again. */
  #refused: { version: number; reason: string } | undefined;
  #ignoredPush = false;
  /** Applications (SIGHUP, pushes) one at a time, in arrival order. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * The config file's ingress rules, or `--url` as one catch-all rule (with cloudflared's
   * single-origin flags), with the files they name read. `--url` together with ingress rules is
   * an error, as in cloudflared; so are rules whose files cannot be read.
   */
  static async create(o: OrchestratorOptions): Promise<Orchestrator> {
    const initial = initialIngress(o);
    let ingress: Ingress;
    try {
      ingress = await loadOriginFiles(initial.ingress);
    } catch (err) {
      if (!(err instanceof IngressError)) throw err;
      if (initial.fromFile && o.config !== undefined) throw ingressErrorIn(o.config, err);
      throw new WarrenError('WARREN_INGRESS_INVALID', err.message, { cause: err });
    }
    return new Orchestrator(o, { ...initial, ingress });
  }

  private constructor(o: OrchestratorOptions, initial: InitialIngress) {
    const config = o.config;
    this.config = config;
    this.#logger = o.logger;
    for (const w of config?.warnings ?? []) o.logger.warn(w);
    const { ingress, target, fromFile, fallback } = initial;
    this.source = fallback && !o.quick ? 'remote' : 'local';
    this.target = this.source === 'remote' ? 'the remotely-managed configuration' : target;
    this.reloadable = fromFile;
    if (this.source === 'remote') {
      // cloudflared's behaviour: the tunnel connects and answers 503, so DNS and routing can be checked.
      o.logger.info(
        'configuration: remote (no config file with ingress rules, no --url); every request gets 503 until the edge sends the first version: PUT /accounts/{a}/cfd_tunnel/{t}/configurations',
      );
    } else if (!o.quick) {
      const local = fromFile ? `local file ${config?.source ?? ''}` : target;
      o.logger.info(`configuration: ${local} (remote configuration ignored)`);
    }
    this.tap = new LogTap({ metrics: o.metrics });
    this.origin = new OriginProxy({
      tap: this.tap,
      ingress,
      originCaRoot: o.originCaRoot,
      metrics: o.metrics,
      logger: o.logger,
      accessVerifier: o.accessVerifier,
      accessDomain: o.accessDomain ?? process.env.WARREN_DOMAIN,
    });
    // Any D stands for the one the edge will send: only problems that remain are logged.
    const edgeD = o.accessDomainFromEdge === true ? 'edge.invalid' : undefined;
    logAccessProblems(ingress, o.accessDomain ?? process.env.WARREN_DOMAIN ?? edgeD, o.logger);
    this.health = new HealthMonitor({ logger: o.logger, metrics: o.metrics });
    this.#watchHealth(ingress);
  }

  /**
   * New rules for new streams; streams in flight (WebSockets included) keep going where they
   * were. Without an argument, reads the config file again (SIGHUP). Rules that fail validation,
   * or whose files cannot be read, leave the running rules in place and are logged. Resolves
   * with whether rules changed.
   */
  updateIngress(next?: Ingress): Promise<boolean> {
    return this.#serially(async () => {
      const path = this.config?.source;
      let ingress = next;
      let config: ConnectorConfig | undefined;
      try {
        if (ingress === undefined) {
          if (!this.reloadable || path === undefined) {
            this.#logger.info('reload: the rules come from --url or flags, not a config file; nothing to reload');
            return false;
          }
          config = loadConfigFile(path);
          for (const w of config.warnings) this.#logger.warn(w);
          ingress = ingressOf(config);
          if (ingress === undefined) {
            this.#logger.error(
              { config: path },
              'reload: the file has no ingress rules any more; keeping the running rules',
            );
            return false;
          }
        }
        ingress = await loadOriginFiles(ingress);
      } catch (err) {
        const e = err instanceof IngressError && config !== undefined ? ingressErrorIn(config, err) : err;
        const code = e instanceof WarrenError ? e.code : undefined;
        this.#logger.error({ config: path, code }, `reload failed, keeping the running rules: ${(e as Error).message}`);
        return false;
      }
      this.#install(ingress);
      this.#logger.info({ config: path, rules: ingress.rules.length }, 'reloaded ingress rules');
      return true;
    });
  }

  /**
   * A ConfigPush from the edge: applied like SIGHUP (streams in flight keep going) when this
   * connector is remotely managed and the version is newer than the running one. Anything else
   * (a local config, an old or repeated version, a push over the cap, rules that fail validation
   * or name files that cannot be read) keeps the running rules; a refusal is logged once per
   * version. The outcome's status goes back to the edge, which the API shows.
   */
  applyRemoteConfig(payload: Buffer): Promise<RemoteConfigOutcome> {
    if (this.source !== 'remote') {
      if (!this.#ignoredPush) {
        this.#ignoredPush = true;
        this.#logger.info('configuration: the edge sent a remote configuration; ignored, the local one wins');
      }
      const version = versionOf(payload);
      const reason = `this connector runs a local configuration (${this.target}), which wins over the remote one`;
      return Promise.resolve({
        changed: false,
        status: version === undefined ? undefined : { version, state: 'ignored', running: 0, reason },
      });
    }
    return this.#serially(() => this.#applyRemote(payload));
  }

  async #applyRemote(payload: Buffer): Promise<RemoteConfigOutcome> {
    let version = 0;
    try {
      const push = parseConfigPush(payload);
      version = push.version;
      const running = this.#remoteVersion;
      if (version === running) return { changed: false, status: { version, state: 'applied', running } };
      if (version < running) return { changed: false, status: undefined };
      const refused = this.#refused;
      if (refused?.version === version) {
        return { changed: false, status: { version, state: 'refused', running, reason: refused.reason } };
      }
      const remote = parseRemoteConfig(push.config);
      for (const w of remote.warnings) this.#logger.warn(w);
      // The files the version names are read here, on the connector's host (never by the API).
      const ingress = await loadOriginFiles(remote.ingress);
      this.#remoteVersion = version;
      if (this.#refused !== undefined && this.#refused.version < version) this.#refused = undefined;
      this.#install(ingress);
    } catch (err) {
      const code = err instanceof WarrenError ? err.code : undefined;
      const reason = (err as Error).message;
      this.#logger.error(
        { code, version: version === 0 ? undefined : version, running: this.#remoteVersion },
        `remote configuration${version === 0 ? '' : ` version ${version}`} refused, keeping the running rules (${this.#remoteVersion === 0 ? 'none yet: 503' : `version ${this.#remoteVersion}`}): ${reason}`,
      );
      if (version === 0) return { changed: false, status: undefined };
      this.#refused = { version, reason };
      return { changed: false, status: { version, state: 'refused', running: this.#remoteVersion, reason } };
    }
    this.#logger.info({ version }, `configuration: remote version ${version}`);
    return { changed: true, status: { version, state: 'applied', running: version } };
  }

  /** What /ready shows: the configuration in use and the newest refusal since. */
  get state(): ConfigurationState {
    return {
      source: this.source,
      version: this.#remoteVersion,
      ...(this.#refused === undefined ? {} : { refused: { ...this.#refused } }),
    };
  }

  /** The remote version in use; 0 before the first (or when the configuration is local). */
  get remoteVersion(): number {
    return this.#remoteVersion;
  }

  /** Stops the health checks and closes the origin pools. */
  close(): void {
    this.health.stop();
    this.origin.close();
  }

  #install(ingress: Ingress): void {
    this.origin.setIngress(ingress);
    this.#watchHealth(ingress);
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #watchHealth(rules: Ingress): void {
    const targets = healthTargetsOf(rules, (rule) => this.origin.poolFor(rule));
    this.health.setTargets(targets);
    if (targets.length > 0) {
      this.#logger.info(
        { rules: targets.map((t) => t.rule) },
        `checking the health of ${targets.length === 1 ? 'one origin' : `${targets.length} origins`}`,
      );
    }
  }
}

/** The version a push names, if it names one (for answering a push that is not applied). */
function versionOf(payload: Buffer): number | undefined {
  try {
    return parseConfigPush(payload).version;
  } catch {
    return undefined;
  }
}

function helloWorldIngress(o: OrchestratorOptions): InitialIngress {
  const ingress = Ingress.validate([{ service: 'hello_world' }], singleOrigin(o));
  return { ingress, target: 'the built-in hello_world origin', fromFile: false, fallback: false };
}

/** `fallback`: nothing local gave rules, so every request gets 503 (until a remote configuration, for a named tunnel). */
function initialIngress(o: OrchestratorOptions): InitialIngress {
  const config = o.config;
  if (o.quick) {
    if (config?.ingress !== undefined) {
      o.logger.warn(
        { config: config.source },
        `a quick tunnel ignores the ingress rules in ${config.source} and serves --url only; use \`warren tunnel run\` to serve them`,
      );
    }
    if (o.url === undefined && config?.flags['hello-world'] === true) return helloWorldIngress(o);
    if (o.url === undefined)
      throw new WarrenError('WARREN_CONFIG_INVALID', 'a quick tunnel needs --url http://host:port or --hello-world');
    const url = originUrlOf(o.url);
    return { ingress: Ingress.fromUrl(url, singleOrigin(o)), target: url, fromFile: false, fallback: false };
  }
  const fileIngress = config === undefined ? undefined : ingressOf(config);
  if (config !== undefined && fileIngress !== undefined) {
    if (o.url !== undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `--url cannot be combined with the ingress rules in ${config.source}; remove --url, or remove the ingress list from the file`,
      );
    }
    const target = `${fileIngress.rules.length} ingress rules from ${config.source}`;
    return { ingress: fileIngress, target, fromFile: true, fallback: false };
  }
  const flags = config?.flags ?? {};
  const rawUrl = o.url ?? (typeof flags.url === 'string' ? flags.url : undefined);
  if (rawUrl !== undefined) {
    const url = originUrlOf(rawUrl);
    return { ingress: Ingress.fromUrl(url, singleOrigin(o)), target: url, fromFile: false, fallback: false };
  }
  if (flags['hello-world'] === true) return helloWorldIngress(o);
  const socket = flags['unix-socket'];
  if (typeof socket === 'string') {
    const ingress = Ingress.validate([{ service: `unix:${socket}` }], singleOrigin(o));
    return { ingress, target: `unix:${socket}`, fromFile: false, fallback: false };
  }
  const ingress = Ingress.validate([{ service: 'http_status:503' }]);
  return { ingress, target: 'http_status:503 (no ingress rules)', fromFile: false, fallback: true };
}

function singleOrigin(o: OrchestratorOptions): OriginRequestOverrides {
  const overrides = { ...(o.config?.originRequest ?? {}), ...singleOriginOverrides(o.config?.flags ?? {}) };
  if (o.connectTimeoutMs !== undefined) overrides.connectTimeoutMs = o.connectTimeoutMs;
  return overrides;
}

/** Rules with access.required that can never verify are refused request by request; say so at start too. */
function logAccessProblems(ingress: Ingress, accessDomain: string | undefined, logger: Logger): void {
  for (const rule of ingress.rules) {
    const access = rule.originRequest.access;
    if (access?.required !== true) continue;
    const problem = accessProblemOf(access, accessDomain);
    if (problem !== undefined) {
      logger.error(
        { rule: rule.index, code: problem.code },
        `${problem.message}: every request to this rule is refused with 403`,
      );
    }
  }
}
