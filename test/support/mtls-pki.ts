import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A certificate authority made by openssl: its PEM and its files (to sign with). */
export interface TestCa {
  name: string;
  pem: string;
  certPath: string;
  keyPath: string;
}

/** A client certificate made by openssl: the files curl's `--cert` / `--key` take, and its PEM. */
export interface TestClientCert {
  certPath: string;
  keyPath: string;
  pem: string;
}

/**
 * A CA (basicConstraints CA:TRUE) valid for two days, its CN `cn` (default `name`): self-signed by
 * `openssl req -x509`, or an intermediate signed by `signer`.
 */
export async function opensslCa(dir: string, name: string, o: { cn?: string; signer?: TestCa } = {}): Promise<TestCa> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const subj = `/CN=${o.cn ?? name}`;
  const ext = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
  if (o.signer === undefined) {
    const exts = ext.flatMap((e) => ['-addext', e]);
    await run('openssl', [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-subj',
      subj,
      '-days',
      '2',
      ...exts,
    ]);
  } else {
    await signed(dir, name, subj, o.signer, ext);
  }
  return { name, pem: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

/** A key and a certificate for `subj`, signed by `ca`, with the extensions `ext`. */
async function signed(dir: string, file: string, subj: string, ca: TestCa, ext: string[]): Promise<void> {
  const csr = join(dir, `${file}.csr`);
  const extPath = join(dir, `${file}.ext`);
  await run('openssl', ['req', ...EC, '-keyout', join(dir, `${file}.key`), '-out', csr, '-subj', subj]);
  writeFileSync(extPath, `${ext.join('\n')}\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-CAcreateserial',
    '-out',
    join(dir, `${file}.crt`),
    '-days',
    '2',
    '-extfile',
    extPath,
  ]);
}

/**
 * A client certificate with common name `cn` signed by `ca` (self-signed when `ca` is undefined);
 * `usage` its extended key usage (default clientAuth).
 */
export async function opensslClientCert(
  dir: string,
  file: string,
  cn: string,
  ca?: TestCa,
  usage = 'clientAuth',
): Promise<TestClientCert> {
  const certPath = join(dir, `${file}.crt`);
  const keyPath = join(dir, `${file}.key`);
  if (ca === undefined) {
    await run('openssl', [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '2',
    ]);
  } else {
    await signed(dir, file, `/CN=${cn}`, ca, ['basicConstraints=CA:FALSE', `extendedKeyUsage=${usage}`]);
  }
  return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
}
