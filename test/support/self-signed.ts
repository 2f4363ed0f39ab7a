import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './warren-processes.js';

export interface SelfSigned {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

/**
 * A self-signed P-256 certificate and its key, made by openssl in a fresh directory: `san` is
 * the subjectAltName extension (e.g. `DNS:app.example.com,IP:127.0.0.1`).
 */
export function selfSigned(o: { cn: string; san: string; days: number }): SelfSigned {
  const dir = tempDir('warren-self-signed-');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      String(o.days),
      '-subj',
      `/CN=${o.cn}`,
      '-addext',
      `subjectAltName=${o.san}`,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
