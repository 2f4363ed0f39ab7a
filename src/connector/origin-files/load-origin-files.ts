import { expandHome } from '../config/expand-home.js';
import {
  type Ingress,
  IngressError,
  type OriginClientCert,
  type OriginRequestConfig,
  type RuleFiles,
} from '../ingress/index.js';
import { originClientCertOf } from './origin-client-cert.js';
import { readOriginFile } from './read-origin-file.js';

export interface LoadOriginFilesOptions {
  /** What `~` stands for (default: the home of the user running the connector). */
  home?: string | undefined;
}

/**
 * Reads the files the rules name, on the connector's host, when the connector applies them
 * (start, SIGHUP, a remote version): `caPool`, `tlsClientCert`/`tlsClientKey`, and `~` in a
 * `unix:` socket path. Each file is read once (see readOriginFile: off the event loop, regular
 * files only, size-capped). Returns the rules with their PEMs, or throws an IngressError
 * naming the rule (or the global originRequest) and the file; the caller keeps its running rules.
 *
 * Only the connector imports this module: the control plane validates shapes and never opens a
 * file a tenant names (test/configuration-paths-control.test.ts checks the import graph).
 *
 * @example const ready = await loadOriginFiles(Ingress.validate(rules));
 */
export async function loadOriginFiles(ingress: Ingress, o: LoadOriginFilesOptions = {}): Promise<Ingress> {
  if (ingress.filesLoaded) return ingress;
  const texts = new Map<string, Promise<string>>();
  const read = (path: string, field: string, ruleNumber: number | undefined): Promise<string> => {
    let text = texts.get(path);
    if (text === undefined) {
      text = readOriginFile({ path, field, ruleNumber }, o.home);
      texts.set(path, text);
    }
    return text;
  };
  // The global originRequest first: a bad global file is named as the global one, not as rule #1's.
  await filesOf(ingress.defaults, undefined, read);
  const files: RuleFiles[] = [];
  for (const rule of ingress.rules) {
    const n = rule.index + 1;
    const own = await filesOf(rule.originRequest, n, read);
    const s = rule.service;
    if (s.kind === 'unix' && s.path.startsWith('~')) {
      let path: string;
      try {
        path = expandHome(s.path, 'unix:', o.home);
      } catch {
        throw new IngressError(n, `service "unix:${s.path}" names another user's home (~user)`, 'write the full path');
      }
      own.service = { ...s, path };
    }
    files.push(own);
  }
  return ingress.withFiles(files);
}

type Read = (path: string, field: string, ruleNumber: number | undefined) => Promise<string>;

async function filesOf(o: OriginRequestConfig, n: number | undefined, read: Read): Promise<RuleFiles> {
  let caPem: string | undefined;
  if (o.caPool !== undefined) {
    caPem = await read(o.caPool, 'caPool', n);
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new IngressError(
        n,
        `originRequest.caPool "${o.caPool}" holds no PEM certificate`,
        'point it at a file starting with "-----BEGIN CERTIFICATE-----"',
      );
    }
  }
  let clientCert: OriginClientCert | undefined;
  if (o.tlsClientCert !== undefined && o.tlsClientKey !== undefined) {
    const cert = await read(o.tlsClientCert, 'tlsClientCert', n);
    const key = await read(o.tlsClientKey, 'tlsClientKey', n);
    clientCert = originClientCertOf({ path: o.tlsClientCert, pem: cert }, { path: o.tlsClientKey, pem: key }, n);
  }
  return { caPem, clientCert };
}
