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

/** `openssl req -x509`: a CA (basicConstraints CA:TRUE) valid for two days. */
export async function opensslCa(dir: string, name: string): Promise<TestCa> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    `/CN=${name}`,
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { name, pem: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

/** A client certificate with common name `cn` signed by `ca` (or self-signed when `ca` is undefined). */
export async function opensslClientCert(dir: string, file: string, cn: string, ca?: TestCa): Promise<TestClientCert> {
  const certPath = join(dir, `${file}.crt`);
  const keyPath = join(dir, `${file}.key`);
  const ext = join(dir, `${file}.ext`);
  if (ca === undefined) {
    await run('openssl', ['req', '-x509', ...EC, '-keyout', keyPath, '-out', certPath, '-subj', `/CN=${cn}`, '-days', '2']);
  } else {
    const csr = join(dir, `${file}.csr`);
    await run('openssl', ['req', ...EC, '-keyout', keyPath, '-out', csr, '-subj', `/CN=${cn}`]);
    writeFileSync(ext, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
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
      certPath,
      '-days',
      '2',
      '-extfile',
      ext,
    ]);
  }
  return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
}
