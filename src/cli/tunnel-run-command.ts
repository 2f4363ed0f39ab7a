import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { accessProblemOf } from '../connector/access-jwt-verifier.js';
import {
  type ConnectorConfig,
  findConfigFile,
  ingressOf,
  loadConfigFile,
  singleOriginOverrides,
} from '../connector/config/index.js';
import type { ConnectorMetrics } from '../connector/connector-metrics.js';
import { HealthMonitor } from '../connector/health-monitor.js';
import { parseTunnelToken, readCredentialsFile, type TunnelCredentials } from '../connector/index.js';
import { Ingress, type OriginRequestOverrides } from '../connector/ingress/index.js';
import { healthTargetsOf } from '../connector/origin-health-check.js';
import { type AccessVerifier, OriginProxy } from '../connector/origin-proxy.js';
import { WarrenError } from '../errors/index.js';
import { warrenHome } from '../pki/origin-cert-file.js';

export interface RunCredentialFlags {
  token: string | undefined;
  credentialsFile: string | undefined;
}

/**
 * `tunnel run`: credentials from --token, else --credentials-file. A tunnel name or id without
 * either goes to credentialsByRef (~/.warren/<id>.json, else a token fetched with cert.pem).
 */
export async function resolveRunCredentials(f: RunCredentialFlags): Promise<TunnelCredentials> {
  if (f.token !== undefined) return parseTunnelToken(f.token);
  if (f.credentialsFile !== undefined) return readCredentialsFile(f.credentialsFile);
  throw new WarrenError('WARREN_CONFIG_INVALID', 'tunnel run needs --token T, --credentials-file F, or a tunnel id');
}

// ---- config.yml and ingress rules for the connector (issue 5) ----

export interface RunOriginOptions {
  /** `--config F`; undefined: ~/.warren/config.yml, then /etc/warren/config.yml, if present. */
  config: string | undefined;
  /** The config file, when the caller already loaded it (its flags were applied to the command line). */
  loaded?: ConnectorConfig | undefined;
  /** `--url`: one origin for everything. */
  url: string | undefined;
  /** `--connect-timeout` when given on the command line (it then wins over the config file). */
  connectTimeoutMs: number | undefined;
  /** A quick tunnel serves --url only: a config file's ingress is ignored, and said so. */
  quick: boolean;
  metrics?: ConnectorMetrics | undefined;
  logger: Logger;
  accessVerifier?: AccessVerifier | undefined;
  /** D for Access rules whose teamName has no dot (`<teamName>.access.D`); default WARREN_DOMAIN. */
  accessDomain?: string | undefined;
}

export interface RunOrigin {
  origin: OriginProxy;
  /**
   * Checks the rules with `originRequest.healthCheck` (none: it never changes state). Not started:
   * the caller sets `onChange` (pause/resume the connector) and then calls `start()`.
   */
  health: HealthMonitor;
  /** For the "forwarding to …" line. */
  target: string;
  /** The config file in use, if any. */
  config: ConnectorConfig | undefined;
  /** Stops the SIGHUP reload and the health checks, and closes the origin pools. */
  close(): void;
}

/**
 * What `warren tunnel run` (and the quick tunnel) dispatch streams to: the config file's
 * ingress rules, or `--url` as one catch-all rule (with cloudflared's single-origin flags).
 * `--url` together with ingress rules is an error, as in cloudflared. Rules from a file are
 * reloaded on SIGHUP without dropping streams in flight.
 */
export function createRunOrigin(o: RunOriginOptions): RunOrigin {
  const config = o.loaded ?? loadRunConfig(o.config);
  for (const w of config?.warnings ?? []) o.logger.warn(w);
  let ingress: Ingress;
  let target: string;
  let fromFile = false;
  if (o.quick) {
    if (config?.ingress !== undefined) {
      o.logger.warn(
        { config: config.source },
        `a quick tunnel ignores the ingress rules in ${config.source} and serves --url only; use \`warren tunnel run\` to serve them`,
      );
    }
    if (o.url === undefined)
      throw new WarrenError('WARREN_CONFIG_INVALID', 'a quick tunnel needs --url http://host:port');
    ingress = Ingress.fromUrl(o.url, singleOrigin(config, o));
    target = o.url;
  } else if (config?.ingress !== undefined) {
    if (o.url !== undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `--url cannot be combined with the ingress rules in ${config.source}; remove --url, or remove the ingress list from the file`,
      );
    }
    ingress = ingressOf(config) as Ingress;
    target = `${ingress.rules.length} ingress rules from ${config.source}`;
    fromFile = true;
  } else {
    const flags = config?.flags ?? {};
    const url = o.url ?? (typeof flags.url === 'string' ? flags.url : undefined);
    if (url !== undefined) {
      ingress = Ingress.fromUrl(url, singleOrigin(config, o));
      target = url;
    } else if (flags['hello-world'] === true) {
      ingress = Ingress.validate([{ service: 'hello_world' }], singleOrigin(config, o));
      target = 'the built-in hello_world origin';
    } else if (typeof flags['unix-socket'] === 'string') {
      ingress = Ingress.validate([{ service: `unix:${flags['unix-socket']}` }], singleOrigin(config, o));
      target = `unix:${flags['unix-socket']}`;
    } else {
      // cloudflared's behaviour: the tunnel connects and answers 503, so DNS and routing can be checked.
      o.logger.warn(
        'no ingress rules and no --url: every request gets 503; pass --url or add an ingress list to the config file',
      );
      ingress = Ingress.validate([{ service: 'http_status:503' }]);
      target = 'http_status:503 (no ingress rules)';
    }
  }
  const origin = new OriginProxy({
    ingress,
    originCaRoot: readOriginCaRoot(),
    metrics: o.metrics,
    logger: o.logger,
    accessVerifier: o.accessVerifier,
    accessDomain: o.accessDomain ?? process.env.WARREN_DOMAIN,
  });
  logAccessProblems(ingress, o.accessDomain ?? process.env.WARREN_DOMAIN, o.logger);
  const health = new HealthMonitor({ logger: o.logger, metrics: o.metrics });
  const watchHealth = (rules: Ingress): void => {
    const targets = healthTargetsOf(rules, (rule) => origin.poolFor(rule));
    health.setTargets(targets);
    if (targets.length > 0) {
      o.logger.info(
        { rules: targets.map((t) => t.rule) },
        `checking the health of ${targets.length === 1 ? 'one origin' : `${targets.length} origins`}`,
      );
    }
  };
  watchHealth(ingress);
  const stopReload =
    fromFile && config !== undefined ? reloadIngressOnSighup(origin, config.source, o.logger, watchHealth) : () => {};
  return {
    origin,
    health,
    target,
    config,
    close() {
      stopReload();
      health.stop();
      origin.close();
    },
  };
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

/**
 * warren's origin CA root, saved by `warren login` beside cert.pem: https origins serving a
 * certificate from it are trusted without a caPool (as cloudflared trusts Cloudflare's origin CA).
 */
function readOriginCaRoot(): string | undefined {
  const path = join(warrenHome(), 'origin-ca-root.pem');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The connector's config.yml: `--config F`, else the first of ~/.warren/config.yml, /etc/warren/config.yml. */
export function loadRunConfig(explicit: string | undefined): ConnectorConfig | undefined {
  const path = findConfigFile({ explicit });
  return path === undefined ? undefined : loadConfigFile(path);
}

function singleOrigin(config: ConnectorConfig | undefined, o: RunOriginOptions): OriginRequestOverrides {
  const overrides = { ...(config?.originRequest ?? {}), ...singleOriginOverrides(config?.flags ?? {}) };
  if (o.connectTimeoutMs !== undefined) overrides.connectTimeoutMs = o.connectTimeoutMs;
  return overrides;
}

/**
 * On SIGHUP, reads the config file again and applies its ingress rules to new streams; streams
 * in flight (WebSockets included) keep going where they were. A file that fails validation
 * leaves the running rules in place and logs why. `applied` hears each applied set (the health
 * monitor follows the rules). Returns a function that stops listening.
 */
export function reloadIngressOnSighup(
  origin: OriginProxy,
  path: string,
  logger: Logger,
  applied?: (ingress: Ingress) => void,
): () => void {
  const reload = (): void => {
    try {
      const config = loadConfigFile(path);
      for (const w of config.warnings) logger.warn(w);
      const ingress = ingressOf(config);
      if (ingress === undefined) {
        logger.error({ config: path }, 'reload: the file has no ingress rules any more; keeping the running rules');
        return;
      }
      origin.setIngress(ingress);
      logger.info({ config: path, rules: ingress.rules.length }, 'reloaded ingress rules');
      applied?.(ingress);
    } catch (err) {
      const code = err instanceof WarrenError ? err.code : undefined;
      logger.error({ config: path, code }, `reload failed, keeping the running rules: ${(err as Error).message}`);
    }
  };
  process.on('SIGHUP', reload);
  return () => {
    process.off('SIGHUP', reload);
  };
}
