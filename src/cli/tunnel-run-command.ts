import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectorConfig, findConfigFile, loadConfigFile } from '../connector/config/index.js';
import { parseTunnelToken, readCredentialsFile, type TunnelCredentials } from '../connector/index.js';
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

/**
 * warren's origin CA root, saved by `warren login` beside cert.pem: https origins serving a
 * certificate from it are trusted without a caPool (as cloudflared trusts Cloudflare's origin CA).
 */
export function readOriginCaRoot(): string | undefined {
  const path = join(warrenHome(), 'origin-ca-root.pem');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The connector's config.yml: `--config F`, else the first of ~/.warren/config.yml, /etc/warren/config.yml. */
export function loadRunConfig(explicit: string | undefined): ConnectorConfig | undefined {
  const path = findConfigFile({ explicit });
  return path === undefined ? undefined : loadConfigFile(path);
}
