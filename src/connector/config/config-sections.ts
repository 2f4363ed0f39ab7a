import { isMap, type Node } from 'yaml';
import type {
  AccessConfig,
  HealthCheckOverrides,
  OriginRequestOverrides,
  UnvalidatedIngressRule,
} from '../ingress/index.js';
import { FLAG_KEYS, IGNORED_ORIGIN_REQUEST_KEYS } from './config-keys.js';
import { type ConnectorConfig, emptyConnectorConfig } from './connector-config.js';
import { type Field, into, type Section, type YamlReader } from './yaml-reader.js';

/*
 * The config file, one table per map: each key names its reader and where the value goes.
 * A new key is one line here; the walk, the warnings and the messages live in YamlReader.
 */

const str = (r: YamlReader, v: Node | null, name: string): string => r.string(v, name);
const path = (r: YamlReader, v: Node | null, name: string): string => r.path(v, name);
const bool = (r: YamlReader, v: Node | null, name: string): boolean => r.bool(v, name);
const int = (r: YamlReader, v: Node | null, name: string): number => r.int(v, name);
const ms = (r: YamlReader, v: Node | null, name: string): number => r.durationMs(v, name);

const ACCESS: Section<AccessConfig> = {
  create: () => ({ required: false, teamName: '', audTag: [] }),
  notAMap: { problem: 'must be a map', fix: 'write "required: true", "teamName: <team>", "audTag: [<tag>]" below it' },
  fields: {
    required: into('required', bool),
    teamName: into('teamName', str),
    audTag: into('audTag', (r, v, name) => r.strings(v, name)),
    jwksUrl: into('jwksUrl', str),
  },
  ignored: { environment: undefined },
};

/** Types only; `Ingress.validate` fills it from the global one and checks it against the rule. */
const HEALTH_CHECK: Section<HealthCheckOverrides> = {
  create: () => ({}),
  emptyIsError: true,
  notAMap: { problem: 'must be a map', fix: 'write "path: /healthz" and "interval: 10s" indented below it' },
  fields: {
    path: into('path', str),
    interval: into('intervalMs', ms),
    timeout: into('timeoutMs', ms),
    unhealthyThreshold: into('unhealthyThreshold', int),
  },
};

const ORIGIN_REQUEST: Section<OriginRequestOverrides> = {
  create: () => ({}),
  notAMap: { problem: 'must be a map', fix: 'write e.g. "originRequest:" then "  connectTimeout: 10s" indented below' },
  fields: {
    connectTimeout: into('connectTimeoutMs', ms),
    tlsTimeout: into('tlsTimeoutMs', ms),
    tcpKeepAlive: into('tcpKeepAliveMs', ms),
    keepAliveConnections: into('keepAliveConnections', int),
    keepAliveTimeout: into('keepAliveTimeoutMs', ms),
    httpHostHeader: into('httpHostHeader', str),
    originServerName: into('originServerName', str),
    matchSNItoHost: into('matchSNItoHost', bool),
    caPool: into('caPool', str),
    noTLSVerify: into('noTLSVerify', bool),
    tlsClientCert: into('tlsClientCert', str),
    tlsClientKey: into('tlsClientKey', str),
    disableChunkedEncoding: into('disableChunkedEncoding', bool),
    udpIdleTimeout: into('udpIdleTimeoutMs', ms),
    proxyProtocol: into('proxyProtocol', (r, v, name) => r.string(v, name) as 'v1' | 'v2'),
    bastionMode: into('bastionMode', bool),
    bastionDestinations: into('bastionDestinations', (r, v, name) => r.strings(v, name)),
    access: into('access', (r, v, name) => r.section(ACCESS, v, { at: `${name}: `, keys: `${name}.` })),
    healthCheck: into('healthCheck', (r, v, name) => r.section(HEALTH_CHECK, v, { at: `${name}: `, keys: `${name}.` })),
  },
  ignored: Object.fromEntries([...IGNORED_ORIGIN_REQUEST_KEYS].map((k) => [k, undefined])),
};

const originRequest = (r: YamlReader, v: Node | null, name: string): OriginRequestOverrides =>
  r.section(ORIGIN_REQUEST, v, { at: `${name}: `, keys: `${name}.` });

const RULE: Section<UnvalidatedIngressRule> = {
  create: () => ({}),
  notAMap: {
    problem: 'is not a map',
    fix: 'write "- hostname: app.example.com" followed by "    service: http://localhost:8080"',
  },
  fields: {
    hostname: into('hostname', str),
    path: into('path', str),
    service: into('service', str),
    originRequest: into('originRequest', originRequest),
  },
};

const ingress: Field<ConnectorConfig> = (out, value, name, r) => {
  const items = r.list(
    value,
    name,
    'write each rule on a line starting with "- ", e.g. "  - hostname: app.example.com"',
  );
  // Every rule is read, a bad one standing as an empty rule (its problem is kept by the reader).
  out.ingress = items.map((item, i) => {
    const where = `ingress rule #${i + 1}: `;
    out.ingressLines.push(r.line(item ?? value));
    const rule = r.attempt(i, () =>
      // An empty rule ("- ") is as wrong as one that is not a map: say how to write one.
      item === null || !isMap(item)
        ? r.fail(item ?? value, where, RULE.notAMap.problem, RULE.notAMap.fix)
        : r.section(RULE, item, { at: where, keys: where }),
    );
    return rule ?? {};
  });
};

/** A key that stands for a CLI flag (cloudflared lets any flag be a key); unsupported ones warn. */
function flagKey(out: ConnectorConfig, key: string, value: Node | null, keyNode: Node, r: YamlReader): boolean {
  const flag = FLAG_KEYS[key];
  if (flag === undefined) return false;
  const v = r.flag(value, key, flag.type);
  if (flag.supported) out.flags[key] = v;
  else r.warn(keyNode, `"${key}" is a cloudflared option with no effect in warren; it is ignored`);
  return true;
}

/** The file itself. `warnings` is filled in by the caller (the reader collects them). */
export const CONFIG_FILE: Section<ConnectorConfig> = {
  create: () => emptyConnectorConfig(''),
  notAMap: { problem: 'the file is not a map of keys', fix: 'write "key: value" lines, e.g. "tunnel: <id>"' },
  fields: {
    tunnel: into('tunnel', str),
    'credentials-file': into('credentialsFile', path),
    origincert: into('originCert', path),
    ingress,
    originRequest: into('originRequest', originRequest),
  },
  ignored: {
    'warp-routing': '"warp-routing" has no effect in warren (private networks are not supported); it is ignored',
  },
  other: flagKey,
  otherKeys: Object.keys(FLAG_KEYS),
};

/**
 * A remotely-managed configuration (the API's `config` object, Cloudflare's shape): the same
 * ingress and originRequest tables as the file, without the keys that stand for flags.
 */
export const REMOTE_CONFIG: Section<ConnectorConfig> = {
  create: CONFIG_FILE.create,
  notAMap: { problem: 'must be an object', fix: 'send {"ingress": [{"service": "http://localhost:8080"}]}' },
  fields: { ingress, originRequest: into('originRequest', originRequest) },
  ignored: {
    'warp-routing': '"warp-routing" has no effect in warren (private networks are not supported); it is ignored',
  },
};
