import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseTunnelToken, readCredentialsFile, type TunnelCredentials } from '../connector/index.js';
import { WarrenError } from '../errors/index.js';

export interface RunCredentialFlags {
  id: string | undefined;
  token: string | undefined;
  credentialsFile: string | undefined;
}

/** `tunnel run`: credentials from --token, --credentials-file, or ~/.warren/<id>.json, in that order. */
export async function resolveRunCredentials(f: RunCredentialFlags): Promise<TunnelCredentials> {
  if (f.token !== undefined) return parseTunnelToken(f.token);
  if (f.credentialsFile !== undefined) return readCredentialsFile(f.credentialsFile);
  if (f.id !== undefined) {
    const path = join(homedir(), '.warren', `${f.id}.json`);
    if (existsSync(path)) return readCredentialsFile(path);
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `no credentials for tunnel "${f.id}" in ${path}; pass --token (from \`warren tunnel token ${f.id}\`) or --credentials-file`,
    );
  }
  throw new WarrenError('WARREN_CONFIG_INVALID', 'tunnel run needs --token T, --credentials-file F, or a tunnel id');
}
