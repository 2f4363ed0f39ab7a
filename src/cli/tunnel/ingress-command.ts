import {
  type ConnectorConfig,
  findConfigFile,
  ingressErrorIn,
  ingressOf,
  loadConfigFile,
} from '../../connector/config/index.js';
import { type Ingress, IngressError } from '../../connector/ingress/index.js';
import { loadOriginFiles } from '../../connector/origin-files/index.js';
import { WarrenError } from '../../errors/index.js';

export interface IngressCommandOptions {
  config: string | undefined;
  /** Where warnings (unknown keys …) go. */
  warn?: (line: string) => void;
}

function loadIngress(o: IngressCommandOptions): { path: string; config: ConnectorConfig; ingress: Ingress } {
  const path = findConfigFile({ explicit: o.config });
  if (path === undefined) {
    throw new WarrenError(
      'WARREN_CONFIG_NOT_FOUND',
      'no config file found in ~/.warren/config.yml or /etc/warren/config.yml; pass --config FILE',
    );
  }
  const config = loadConfigFile(path);
  for (const w of config.warnings) o.warn?.(w);
  const ingress = ingressOf(config);
  if (ingress === undefined) {
    throw new WarrenError(
      'WARREN_INGRESS_INVALID',
      `${path}: has no ingress rules; add an "ingress:" list ending with a catch-all rule, e.g. "- service: http_status:404"`,
    );
  }
  return { path, config, ingress };
}

/**
 * `warren tunnel ingress validate`: the text to print (cloudflared's wording), or throws. Run on
 * the connector's host, it also reads the files the rules name, as the connector would.
 */
export async function validateIngressCommand(o: IngressCommandOptions): Promise<string> {
  const { path, config, ingress } = loadIngress(o);
  try {
    await loadOriginFiles(ingress);
  } catch (err) {
    if (err instanceof IngressError) throw ingressErrorIn(config, err);
    throw err;
  }
  return `Validating rules from ${path}\nOK\n`;
}

/** `warren tunnel ingress rule URL`: which rule serves that URL. */
export function matchIngressCommand(rawUrl: string, o: IngressCommandOptions): string {
  let url: URL;
  try {
    url = new URL(rawUrl.includes('://') ? rawUrl : `https://${rawUrl}`);
  } catch {
    throw new WarrenError('WARREN_CONFIG_INVALID', `"${rawUrl}" is not a URL; write e.g. https://app.example.com/path`);
  }
  const { path, ingress } = loadIngress(o);
  let pathname = url.pathname;
  try {
    pathname = decodeURIComponent(pathname);
  } catch {
    // keep it as written
  }
  const rule = ingress.match(url.hostname.toLowerCase(), pathname);
  return `Using rules from ${path}\nMatched rule #${rule.index + 1}\n${rule.toString()}\n`;
}
