import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { WarrenError } from '../../errors/index.js';
import { Ingress, IngressError, type OriginRequestOverrides } from '../ingress/index.js';
import { ConfigErrors, withIngressProblems } from './config-errors.js';
import { CONFIG_FILE } from './config-sections.js';
import type { ConnectorConfig, FlagValue } from './connector-config.js';
import { YamlReader } from './yaml-reader.js';

export interface ConfigSearch {
  /** `--config F`: must exist. */
  explicit?: string | undefined;
  /** Defaults to the user's home directory. */
  home?: string;
  /** Defaults to /etc/warren. */
  etcDir?: string;
}

/** Where a config file is looked for when `--config` is not given, in order. */
export function defaultConfigPaths(o: ConfigSearch = {}): string[] {
  const home = o.home ?? homedir();
  const etc = o.etcDir ?? '/etc/warren';
  return [join(home, '.warren', 'config.yml'), join(home, '.warren', 'config.yaml'), join(etc, 'config.yml')];
}

/** `--config F`, else the first of ~/.warren/config.yml, /etc/warren/config.yml that exists; undefined if none. */
export function findConfigFile(o: ConfigSearch = {}): string | undefined {
  if (o.explicit !== undefined) {
    if (!existsSync(o.explicit)) {
      throw new WarrenError(
        'WARREN_CONFIG_NOT_FOUND',
        `--config ${resolve(o.explicit)}: no such file; check the path, or leave --config out to use ~/.warren/config.yml`,
      );
    }
    return o.explicit;
  }
  return defaultConfigPaths(o).find((p) => existsSync(p));
}

/** Reads and type-checks a config.yml; throws a WarrenError naming the file and line. */
export function loadConfigFile(path: string): ConnectorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path and its permissions`,
      { cause: err },
    );
  }
  return parseConfig(text, path);
}

/**
 * Parses config.yml text; `source` names it in messages. Every key is read before it throws, and
 * then the rules are checked too, so a `ConfigErrors` names every problem of the file at once.
 */
export function parseConfig(text: string, source: string): ConnectorConfig {
  const reader = new YamlReader(source);
  const read = reader.section(CONFIG_FILE, reader.parse(text).contents, { at: '', keys: '' });
  const config = { ...read, source, warnings: reader.warnings };
  if (reader.problems.length === 0) return config;
  let problems = reader.problems;
  if (config.ingress !== undefined) {
    try {
      Ingress.validate(config.ingress, config.originRequest);
    } catch (err) {
      if (!(err instanceof IngressError)) throw err;
      problems = withIngressProblems(problems, err, (e) => ingressMessage(config, e));
    }
  }
  throw ConfigErrors.of(problems, source);
}

/**
 * Validates the file's ingress rules into an `Ingress` (shapes only: the files they name are read
 * by the connector, see loadOriginFiles); errors name the file, the line and the rule.
 * Returns undefined when the file has no `ingress` key.
 */
export function ingressOf(config: ConnectorConfig): Ingress | undefined {
  if (config.ingress === undefined) return undefined;
  try {
    return Ingress.validate(config.ingress, config.originRequest);
  } catch (err) {
    if (!(err instanceof IngressError)) throw err;
    throw ingressErrorIn(config, err);
  }
}

/** An IngressError (or several) about the file's rules, each naming the file and the rule's line. */
export function ingressErrorIn(config: ConnectorConfig, err: IngressError): WarrenError {
  const problems = withIngressProblems([], err, (e) => ingressMessage(config, e));
  const e = ConfigErrors.of(problems, config.source);
  e.cause = err;
  return e;
}

function ingressMessage(config: ConnectorConfig, err: IngressError): string {
  const line = err.ruleNumber === undefined ? undefined : config.ingressLines[err.ruleNumber - 1];
  return `${config.source}${line === undefined ? '' : `:${line}`}: ${err.message}`;
}

/** The originRequest that cloudflared's single-origin flags (`proxy-connect-timeout`, `no-tls-verify` …) set. */
export function singleOriginOverrides(flags: Readonly<Record<string, FlagValue>>): OriginRequestOverrides {
  const o: OriginRequestOverrides = {};
  const num = (k: string): number | undefined => {
    const v = flags[k];
    return typeof v === 'number' ? v : undefined;
  };
  const str = (k: string): string | undefined => {
    const v = flags[k];
    return typeof v === 'string' ? v : undefined;
  };
  const bool = (k: string): boolean | undefined => {
    const v = flags[k];
    return typeof v === 'boolean' ? v : undefined;
  };
  const set = <K extends keyof OriginRequestOverrides>(key: K, v: OriginRequestOverrides[K] | undefined): void => {
    if (v !== undefined) o[key] = v;
  };
  set('connectTimeoutMs', num('proxy-connect-timeout') ?? num('connect-timeout'));
  set('tlsTimeoutMs', num('proxy-tls-timeout'));
  set('tcpKeepAliveMs', num('proxy-tcp-keepalive'));
  set('keepAliveConnections', num('proxy-keepalive-connections'));
  set('keepAliveTimeoutMs', num('proxy-keepalive-timeout'));
  set('httpHostHeader', str('http-host-header'));
  set('originServerName', str('origin-server-name'));
  set('caPool', str('origin-ca-pool'));
  set('noTLSVerify', bool('no-tls-verify'));
  set('disableChunkedEncoding', bool('no-chunked-encoding'));
  set('matchSNItoHost', bool('match-sni-to-host'));
  return o;
}
