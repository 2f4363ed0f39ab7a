import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { WarrenError } from '../../errors/index.js';
import {
  type AccessConfig,
  type HealthCheckOverrides,
  Ingress,
  IngressError,
  type OriginRequestOverrides,
  type UnvalidatedIngressRule,
} from '../ingress/index.js';
import {
  type ConfigValueType,
  FLAG_KEYS,
  IGNORED_ORIGIN_REQUEST_KEYS,
  ORIGIN_REQUEST_KEYS,
  type OriginRequestKey,
  RULE_KEYS,
  suggestKey,
  TOP_LEVEL_KEYS,
} from './config-keys.js';
import type { ConnectorConfig, FlagValue } from './connector-config.js';
import { parseGoDuration } from './go-duration.js';

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
        'WARREN_CONFIG_INVALID',
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

/** Parses config.yml text; `source` names it in messages. */
export function parseConfig(text: string, source: string): ConnectorConfig {
  return new ConfigReader(text, source).read();
}

/**
 * Validates the file's ingress rules into an `Ingress`; errors name the file, the line and the rule.
 * Returns undefined when the file has no `ingress` key.
 */
export function ingressOf(config: ConnectorConfig): Ingress | undefined {
  if (config.ingress === undefined) return undefined;
  try {
    return Ingress.validate(config.ingress, config.originRequest);
  } catch (err) {
    if (!(err instanceof IngressError)) throw err;
    const line = err.ruleNumber === undefined ? undefined : config.ingressLines[err.ruleNumber - 1];
    throw new WarrenError(
      'WARREN_INGRESS_INVALID',
      `${config.source}${line === undefined ? '' : `:${line}`}: ${err.message}`,
      {
        cause: err,
      },
    );
  }
}

/** The originRequest that cloudflared's single-origin flags (`proxy-connect-timeout`, `no-tls-verify` …) set. */
export function singleOriginOverrides(flags: Readonly<Record<string, FlagValue>>): OriginRequestOverrides {
  const o: OriginRequestOverrides = {};
  const num = (k: string): number | undefined => (typeof flags[k] === 'number' ? (flags[k] as number) : undefined);
  const str = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const bool = (k: string): boolean | undefined => (typeof flags[k] === 'boolean' ? (flags[k] as boolean) : undefined);
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

const TYPE_HINT: Record<ConfigValueType, string> = {
  string: 'a string',
  bool: 'true or false',
  int: 'a whole number',
  duration: 'a duration such as "30s", "1m30s" or "500ms"',
  strings: 'a string or a list of strings',
};

/** Walks the YAML tree (not plain JS) so every message can name the line. */
class ConfigReader {
  readonly #text: string;
  readonly #source: string;
  readonly #lines = new LineCounter();
  readonly #warnings: string[] = [];

  constructor(text: string, source: string) {
    this.#text = text;
    this.#source = source;
  }

  read(): ConnectorConfig {
    const doc = parseDocument(this.#text, { lineCounter: this.#lines, prettyErrors: false });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = this.#lines.linePos(first.pos[0]).line;
      const aliasHint =
        first.code === 'BAD_ALIAS' || /alias/i.test(first.message)
          ? '; a value starting with "*" must be quoted, e.g. hostname: "*.example.com"'
          : '';
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `${this.#source}:${line}: not valid YAML (${first.message.split('\n')[0]})${aliasHint || '; fix the syntax at that line'}`,
      );
    }
    const config: ConnectorConfig = {
      source: this.#source,
      tunnel: undefined,
      credentialsFile: undefined,
      originCert: undefined,
      ingress: undefined,
      ingressLines: [],
      originRequest: {},
      flags: {},
      warnings: this.#warnings,
    };
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) return config;
    if (!isMap(root)) {
      this.#fail(root, '', 'the file is not a map of keys', 'write "key: value" lines, e.g. "tunnel: <id>"');
    }
    for (const [key, value, keyNode] of this.#entries(root as YAMLMap, '')) {
      switch (key) {
        case 'tunnel':
          config.tunnel = this.#string(value, 'tunnel');
          break;
        case 'credentials-file':
          config.credentialsFile = this.#string(value, 'credentials-file');
          break;
        case 'origincert':
          config.originCert = this.#string(value, 'origincert');
          break;
        case 'ingress':
          this.#readIngress(value, config);
          break;
        case 'originRequest':
          config.originRequest = this.#originRequest(value, 'originRequest');
          break;
        case 'warp-routing':
          this.#warn(
            keyNode,
            '"warp-routing" has no effect in warren (private networks are not supported); it is ignored',
          );
          break;
        default: {
          const flag = FLAG_KEYS[key];
          if (flag === undefined) {
            const known = [...TOP_LEVEL_KEYS, ...Object.keys(FLAG_KEYS)];
            const hint = suggestKey(key, known);
            this.#warn(
              keyNode,
              `unknown key "${key}" is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
            );
            break;
          }
          const v = this.#value(value, key, flag.type);
          if (!flag.supported) {
            this.#warn(keyNode, `"${key}" is a cloudflared option with no effect in warren; it is ignored`);
            break;
          }
          config.flags[key] = v;
        }
      }
    }
    return config;
  }

  #readIngress(node: Node | null, config: ConnectorConfig): void {
    if (node === null || (isScalar(node) && node.value === null)) {
      config.ingress = [];
      return;
    }
    if (!isSeq(node)) {
      this.#fail(
        node,
        'ingress: ',
        'must be a list of rules',
        'write each rule on a line starting with "- ", e.g. "  - hostname: app.example.com"',
      );
    }
    const rules: UnvalidatedIngressRule[] = [];
    (node.items as (Node | null)[]).forEach((item, i) => {
      const n = i + 1;
      const where = `ingress rule #${n}: `;
      if (item === null || !isMap(item)) {
        this.#fail(
          item ?? node,
          where,
          'is not a map',
          'write "- hostname: app.example.com" followed by "    service: http://localhost:8080"',
        );
      }
      config.ingressLines.push(this.#line(item));
      const rule: UnvalidatedIngressRule = {};
      for (const [key, value, keyNode] of this.#entries(item as YAMLMap, where)) {
        switch (key) {
          case 'hostname':
            rule.hostname = this.#string(value, `${where}hostname`);
            break;
          case 'path':
            rule.path = this.#string(value, `${where}path`);
            break;
          case 'service':
            rule.service = this.#string(value, `${where}service`);
            break;
          case 'originRequest':
            rule.originRequest = this.#originRequest(value, `${where}originRequest`);
            break;
          default: {
            const hint = suggestKey(key, RULE_KEYS);
            this.#warn(
              keyNode,
              `${where}unknown key "${key}" is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
            );
          }
        }
      }
      rules.push(rule);
    });
    config.ingress = rules;
  }

  #originRequest(node: Node | null, where: string): OriginRequestOverrides {
    const out: OriginRequestOverrides = {};
    if (node === null || (isScalar(node) && node.value === null)) return out;
    if (!isMap(node)) {
      this.#fail(
        node,
        `${where}: `,
        'must be a map',
        'write e.g. "originRequest:" then "  connectTimeout: 10s" indented below',
      );
    }
    for (const [key, value, keyNode] of this.#entries(node as YAMLMap, `${where}.`)) {
      const name = `${where}.${key}`;
      if (key === 'access') {
        out.access = this.#access(value, name);
        continue;
      }
      if (IGNORED_ORIGIN_REQUEST_KEYS.has(key)) {
        this.#warn(keyNode, `${name} has no effect in warren; it is ignored`);
        continue;
      }
      if (key === 'healthCheck') {
        out.healthCheck = this.#healthCheck(value, name);
        continue;
      }
      const type = ORIGIN_REQUEST_KEYS[key as OriginRequestKey];
      if (type === undefined) {
        const hint = suggestKey(key, [...Object.keys(ORIGIN_REQUEST_KEYS), 'access', 'healthCheck']);
        this.#warn(keyNode, `unknown key ${name} is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`);
        continue;
      }
      const v = this.#value(value, name, type);
      switch (key as OriginRequestKey) {
        case 'connectTimeout':
          out.connectTimeoutMs = v as number;
          break;
        case 'tlsTimeout':
          out.tlsTimeoutMs = v as number;
          break;
        case 'tcpKeepAlive':
          out.tcpKeepAliveMs = v as number;
          break;
        case 'keepAliveTimeout':
          out.keepAliveTimeoutMs = v as number;
          break;
        case 'keepAliveConnections':
          out.keepAliveConnections = v as number;
          break;
        case 'httpHostHeader':
          out.httpHostHeader = v as string;
          break;
        case 'originServerName':
          out.originServerName = v as string;
          break;
        case 'caPool':
          out.caPool = v as string;
          break;
        case 'matchSNItoHost':
          out.matchSNItoHost = v as boolean;
          break;
        case 'noTLSVerify':
          out.noTLSVerify = v as boolean;
          break;
        case 'disableChunkedEncoding':
          out.disableChunkedEncoding = v as boolean;
          break;
      }
    }
    return out;
  }

  /** Types only; `Ingress.validate` fills it from the global one and checks it against the rule. */
  #healthCheck(node: Node | null, where: string): HealthCheckOverrides {
    const out: HealthCheckOverrides = {};
    if (!isMap(node)) {
      this.#fail(
        node,
        `${where}: `,
        node === null || (isScalar(node) && node.value === null) ? 'is empty' : 'must be a map',
        'write "path: /healthz" and "interval: 10s" indented below it',
      );
    }
    for (const [key, value, keyNode] of this.#entries(node as YAMLMap, `${where}.`)) {
      switch (key) {
        case 'path':
          out.path = this.#string(value, `${where}.path`);
          break;
        case 'interval':
          out.intervalMs = this.#value(value, `${where}.interval`, 'duration') as number;
          break;
        case 'timeout':
          out.timeoutMs = this.#value(value, `${where}.timeout`, 'duration') as number;
          break;
        case 'unhealthyThreshold':
          out.unhealthyThreshold = this.#value(value, `${where}.unhealthyThreshold`, 'int') as number;
          break;
        default: {
          const hint = suggestKey(key, ['path', 'interval', 'timeout', 'unhealthyThreshold']);
          this.#warn(
            keyNode,
            `unknown key ${where}.${key} is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
          );
        }
      }
    }
    return out;
  }

  #access(node: Node | null, where: string): AccessConfig {
    const out: AccessConfig = { required: false, teamName: '', audTag: [] };
    if (node === null || (isScalar(node) && node.value === null)) return out;
    if (!isMap(node)) {
      this.#fail(
        node,
        `${where}: `,
        'must be a map',
        'write "required: true", "teamName: <team>", "audTag: [<tag>]" below it',
      );
    }
    for (const [key, value, keyNode] of this.#entries(node as YAMLMap, `${where}.`)) {
      switch (key) {
        case 'required':
          out.required = this.#value(value, `${where}.required`, 'bool') as boolean;
          break;
        case 'teamName':
          out.teamName = this.#string(value, `${where}.teamName`);
          break;
        case 'audTag':
          out.audTag = this.#value(value, `${where}.audTag`, 'strings') as string[];
          break;
        case 'jwksUrl':
          out.jwksUrl = this.#string(value, `${where}.jwksUrl`);
          break;
        case 'environment':
          this.#warn(keyNode, `${where}.environment has no effect in warren; it is ignored`);
          break;
        default: {
          const hint = suggestKey(key, ['required', 'teamName', 'audTag', 'jwksUrl']);
          this.#warn(
            keyNode,
            `unknown key ${where}.${key} is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
          );
        }
      }
    }
    return out;
  }

  *#entries(map: YAMLMap, where: string): Generator<[string, Node | null, Node]> {
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.#fail(keyNode ?? map, where, 'has a key that is not a name', 'write keys as plain words, e.g. "service:"');
      }
      yield [(keyNode as { value: string }).value, pair.value as Node | null, keyNode as Node];
    }
  }

  #string(node: Node | null, name: string): string {
    return this.#value(node, name, 'string') as string;
  }

  #value(node: Node | null, name: string, type: ConfigValueType): FlagValue {
    const v: unknown = node !== null && isScalar(node) ? node.value : undefined;
    const at = node;
    const bad = (what: string, fix: string): never => this.#fail(at, `${name}: `, what, fix);
    if (node !== null && isAlias(node)) {
      // YAML reads a leading "*" as a reference to an anchor: the classic unquoted wildcard.
      bad(
        `is the YAML alias *${node.source}, not a value`,
        `a value starting with "*" must be quoted, e.g. hostname: "*.example.com"`,
      );
    }
    if (node === null || v === null) bad('has no value', `write ${TYPE_HINT[type]}`);
    switch (type) {
      case 'string':
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        return bad(`must be ${TYPE_HINT.string}`, 'write a single value, quoted if it has special characters');
      case 'bool':
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string' && /^(yes|on|true)$/i.test(v)) return true;
        if (typeof v === 'string' && /^(no|off|false)$/i.test(v)) return false;
        return bad(`is ${describe(node, v)}, not true or false`, 'write true or false');
      case 'int':
        if (typeof v === 'number' && Number.isInteger(v)) {
          if (v < 0) bad(`is ${v}; it cannot be negative`, 'write 0 or more');
          return v;
        }
        return bad(`is ${describe(node, v)}, not a whole number`, 'write e.g. 100');
      case 'duration': {
        if (typeof v === 'number') {
          bad(`is ${v}, a number with no unit`, `write "${v}s" for seconds or "${v}ms" for milliseconds`);
        }
        if (typeof v === 'string') {
          if (v.trim().startsWith('-')) bad(`is "${v}"; a duration cannot be negative`, 'write e.g. "30s"');
          const ms = parseGoDuration(v);
          if (ms !== undefined) return ms;
        }
        return bad(`is ${describe(node, v)}, not a duration`, 'write e.g. "30s", "1m30s" or "500ms"');
      }
      case 'strings':
        if (typeof v === 'string') return [v];
        if (node !== null && isSeq(node)) {
          return (node.items as (Node | null)[]).map((item, i) => this.#string(item, `${name}[${i}]`));
        }
        return bad(`is ${describe(node, v)}`, 'write a string or a list such as ["a", "b"]');
    }
  }

  #line(node: Node | null | undefined): number {
    const start = node?.range?.[0];
    return start === undefined ? 0 : this.#lines.linePos(start).line;
  }

  #fail(node: Node | null | undefined, where: string, problem: string, fix: string): never {
    const line = this.#line(node);
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${this.#source}${line > 0 ? `:${line}` : ''}: ${where}${problem}; ${fix}`,
    );
  }

  #warn(node: Node, message: string): void {
    const line = this.#line(node);
    this.#warnings.push(`${this.#source}${line > 0 ? `:${line}` : ''}: ${message}`);
  }
}

function describe(node: Node | null, v: unknown): string {
  if (node !== null && isSeq(node)) return 'a list';
  if (node !== null && isMap(node)) return 'a map';
  return typeof v === 'string' ? `"${v}"` : String(v);
}
