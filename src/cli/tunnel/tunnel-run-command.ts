import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConnectorConfig, findConfigFile, loadConfigFile } from '../../connector/config/index.js';
import {
  parseCredentialsJson,
  parseTunnelToken,
  readCredentialsFile,
  type TunnelCredentials,
} from '../../connector/index.js';
import { WarrenError } from '../../errors/index.js';
import { warrenHome } from '../../pki/origin-cert-file.js';

const MAX_TOKEN_FILE_BYTES = 64 * 1024; // 64 KiB: a token is a few hundred bytes

/** Where `tunnel run` may find its token, each with where it came from. */
export interface TokenSources {
  /** `--token` (or WARREN_TUNNEL_TOKEN), with commander's value source ('cli', 'env', …). */
  token: { value: string | undefined; source: string | undefined };
  /** `--token-file` (or WARREN_TUNNEL_TOKEN_FILE). */
  tokenFile: { value: string | undefined; source: string | undefined };
  /** cloudflared's names: TUNNEL_TOKEN, TUNNEL_TOKEN_FILE. */
  env: NodeJS.ProcessEnv;
  /** config.yml's `token` and `token-file` keys. */
  config: { token: unknown; tokenFile: unknown };
  /** Where the one-line warning about a token on the command line goes. */
  warn: (line: string) => void;
}

/**
 * The tunnel token, from the first of: the command line (`--token` or `--token-file`, not both),
 * the environment (WARREN_TUNNEL_TOKEN / TUNNEL_TOKEN, then WARREN_TUNNEL_TOKEN_FILE /
 * TUNNEL_TOKEN_FILE), config.yml (`token`, `token-file`); undefined when none is given. A token on
 * the command line works but is shown to every local user by `ps`, so it draws a warning.
 */
export async function tunnelTokenOf(s: TokenSources): Promise<string | undefined> {
  const fromCli = s.token.source === 'cli' && s.token.value !== undefined;
  const fileFromCli = s.tokenFile.source === 'cli' && s.tokenFile.value !== undefined;
  if (fromCli && fileFromCli) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      'both --token and --token-file were given; pass only --token-file FILE (a token on the command line is visible in `ps`)',
    );
  }
  if (fromCli) {
    s.warn(
      'warning: --token is visible to every local user in the process list (ps); pass it with --token-file FILE or the TUNNEL_TOKEN environment variable instead',
    );
    return s.token.value;
  }
  if (fileFromCli) return readTokenFile(s.tokenFile.value as string, '--token-file');
  if (s.token.value !== undefined) return s.token.value;
  const envToken = s.env.TUNNEL_TOKEN;
  if (envToken !== undefined && envToken !== '') return envToken;
  if (s.tokenFile.value !== undefined) return readTokenFile(s.tokenFile.value, 'WARREN_TUNNEL_TOKEN_FILE');
  const envFile = s.env.TUNNEL_TOKEN_FILE;
  if (envFile !== undefined && envFile !== '') return readTokenFile(envFile, 'TUNNEL_TOKEN_FILE');
  if (typeof s.config.token === 'string') return s.config.token;
  if (typeof s.config.tokenFile === 'string') return readTokenFile(s.config.tokenFile, 'token-file in config.yml');
  return undefined;
}

/** The token in `path` (surrounding whitespace dropped), or an error naming the file and what to do. */
async function readTokenFile(path: string, from: string): Promise<string> {
  const hint = 'write the output of `warren tunnel token <tunnel>` into it';
  let text: string;
  try {
    if ((await stat(path)).size > MAX_TOKEN_FILE_BYTES) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `${from} ${path} is larger than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, so it is not a tunnel token file; ${hint}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof WarrenError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? (cause as Error).message})`;
    throw new WarrenError('WARREN_CONFIG_INVALID', `${from} ${path} ${why}; ${hint}`, { cause });
  }
  const token = text.trim();
  if (token === '') throw new WarrenError('WARREN_CONFIG_INVALID', `${from} ${path} is empty; ${hint}`);
  return token;
}

export interface RunCredentialFlags {
  token: string | undefined;
  /** `--credentials-contents` (TUNNEL_CRED_CONTENTS): the credentials JSON itself. */
  credentialsContents?: string | undefined;
  credentialsFile: string | undefined;
}

/** `--credentials-contents`: cloudflared's credentials JSON; errors never repeat it (it holds the secret). */
export function credentialsFromContents(text: string): TunnelCredentials {
  return parseCredentialsJson(
    text,
    '--credentials-contents',
    'pass the JSON `warren tunnel create` wrote ({AccountTag, TunnelSecret, TunnelID})',
  );
}

/**
 * `tunnel run`: credentials from --token, else --credentials-file. A tunnel name or id without
 * either goes to credentialsByRef (~/.warren/<id>.json, else a token fetched with cert.pem).
 */
export async function resolveRunCredentials(f: RunCredentialFlags): Promise<TunnelCredentials> {
  if (f.token !== undefined) return parseTunnelToken(f.token);
  if (f.credentialsContents !== undefined) return credentialsFromContents(f.credentialsContents);
  if (f.credentialsFile !== undefined) return readCredentialsFile(f.credentialsFile);
  throw new WarrenError(
    'WARREN_CONFIG_INVALID',
    'tunnel run needs --token-file F (or TUNNEL_TOKEN), --credentials-file F, --credentials-contents JSON, or a tunnel id',
  );
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
