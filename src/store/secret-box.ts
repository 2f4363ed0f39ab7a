import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WarrenError } from '../errors/index.js';

const KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

/**
 * Seals values the edge must read back in clear (tunnel secrets: the connector proves
 * HMAC(secret, nonce), so a one-way hash cannot check it). AES-256-GCM under a key kept
 * outside the database: `WARREN_SECRET_KEY` (base64, 32 bytes; the same on every machine
 * sharing one PostgreSQL) or `<data-dir>/secret.key` (created on first start, mode 0600).
 * A copy of the database alone does not reveal a tunnel secret.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new TypeError(`the secret key must be ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  static async open(dataDir: string, envKey: string | undefined): Promise<SecretBox> {
    if (envKey !== undefined && envKey !== '') {
      const key = Buffer.from(envKey, 'base64');
      if (key.length !== KEY_BYTES) {
        throw new WarrenError(
          'WARREN_CONFIG_INVALID',
          `WARREN_SECRET_KEY must be ${KEY_BYTES} bytes in base64 (make one with: openssl rand -base64 32)`,
        );
      }
      return new SecretBox(key);
    }
    const path = join(dataDir, KEY_FILE);
    try {
      return new SecretBox(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(KEY_BYTES);
    try {
      await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return new SecretBox(key);
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return new SecretBox(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64'));
    }
  }

  seal(plain: Buffer): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([c.update(plain), c.final()]);
    return `v1.${iv.toString('base64')}.${c.getAuthTag().toString('base64')}.${body.toString('base64')}`;
  }

  /**
   * A value derived from the secret key and `label` (HMAC-SHA256): the same on every process that
   * shares the key, never stored, and different for every label (e.g. a user's API key generation).
   */
  derive(label: string): Buffer {
    return createHmac('sha256', this.#key).update(label).digest();
  }

  open(sealed: string): Buffer {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
      throw new WarrenError('WARREN_SECRET_KEY_MISMATCH', 'a sealed secret in the database is malformed');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]);
    } catch (cause) {
      throw new WarrenError(
        'WARREN_SECRET_KEY_MISMATCH',
        'a tunnel secret in the database was sealed with another secret key: give every process the same WARREN_SECRET_KEY (or the same <data-dir>/secret.key)',
        { cause },
      );
    }
  }
}

/** A short, non-reversible id of a secret, safe for logs. */
export function fingerprint(secret: Buffer | string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
