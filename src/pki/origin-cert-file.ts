import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WarrenError } from '../errors/index.js';
import { type OriginCertBundle, parseOriginCertBundle } from './origin-cert-bundle.js';

/** `~/.warren`, where login writes cert.pem and `tunnel create` writes credentials. */
export function warrenHome(): string {
  return join(homedir(), '.warren');
}

export function defaultOriginCertPath(): string {
  return join(warrenHome(), 'cert.pem');
}

/** The cert.pem in use: `--origincert`, else WARREN_ORIGIN_CERT, else ~/.warren/cert.pem. */
export function originCertPath(explicit: string | undefined): string {
  const env = process.env.WARREN_ORIGIN_CERT;
  if (explicit !== undefined && explicit !== '') return explicit;
  return env !== undefined && env !== '' ? env : defaultOriginCertPath();
}

/** Reads and checks cert.pem; a missing file says to run `warren login`. */
export async function loadOriginCert(explicit: string | undefined): Promise<OriginCertBundle & { path: string }> {
  const path = originCertPath(explicit);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WarrenError(
      code === 'ENOENT' ? 'WARREN_ORIGIN_CERT_MISSING' : 'WARREN_ORIGIN_CERT_INVALID',
      code === 'ENOENT'
        ? `no cert.pem at ${path}; run \`warren login\` first (or pass --origincert / set WARREN_ORIGIN_CERT)`
        : `cannot read ${path} (${code ?? 'error'}); check its permissions`,
      { cause: err },
    );
  }
  return { ...parseOriginCertBundle(text, path), path };
}
