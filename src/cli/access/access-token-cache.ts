import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { warrenHome } from '../../pki/origin-cert-file.js';
import { writeSecretFile } from '../login-command.js';

/** A cached token is not used this close to its expiry: a request must not die on the way. */
const EXPIRY_MARGIN_S = 30;

/** `~/.warren/access/`: one 0600 file per application, named by its host and AUD tag. */
export function accessTokenDir(): string {
  return join(warrenHome(), 'access');
}

export function accessTokenPath(host: string, aud: string): string {
  return join(accessTokenDir(), `${host.toLowerCase()}-${aud}.jwt`);
}

/** The payload of a JWT, unverified (the edge verifies; the CLI only reads `exp` and `aud`). */
export function jwtClaims(token: string): { exp?: unknown; aud?: unknown } | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `token` is for `aud` and not expired (nor about to). */
export function usableToken(token: string, aud: string, nowS = Math.floor(Date.now() / 1000)): boolean {
  const c = jwtClaims(token);
  if (c === undefined || typeof c.exp !== 'number' || c.exp - EXPIRY_MARGIN_S <= nowS) return false;
  return Array.isArray(c.aud) ? c.aud.includes(aud) : c.aud === aud;
}

/** The cached token for the app, when there is one that can still be used. */
export async function cachedToken(host: string, aud: string): Promise<string | undefined> {
  let token: string;
  try {
    token = (await readFile(accessTokenPath(host, aud), 'utf8')).trim();
  } catch {
    return undefined;
  }
  return usableToken(token, aud) ? token : undefined;
}

export async function saveToken(host: string, aud: string, token: string): Promise<string> {
  const dir = accessTokenDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone: tokens only go into a private one.
  await chmod(dir, 0o700);
  const path = accessTokenPath(host, aud);
  await writeSecretFile(path, `${token}\n`, true);
  return path;
}
