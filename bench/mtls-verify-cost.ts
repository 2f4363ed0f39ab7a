import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyClientCertificate } from '../src/access/index.js';

/**
 * CPU of one client certificate check (Access mutual TLS) on one core: a P-256 leaf signed by an
 * uploaded P-256 CA, verified by `verifyClientCertificate` (names, signature, validity, EKU). The
 * gate pays it once per connection (then reuses the verdict for up to a minute), not per request.
 * Run: npx tsc -p tsconfig.json && node dist/bench/mtls-verify-cost.js
 */
const N = 5_000;
const WARMUP = 500;
const dir = mkdtempSync(join(tmpdir(), 'warren-bench-mtls-'));
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const at = (f: string) => join(dir, f);
const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
openssl(['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-subj', '/CN=ca']);
openssl(['req', ...ec, '-keyout', at('leaf.key'), '-out', at('leaf.csr'), '-subj', '/CN=device']);
writeFileSync(at('leaf.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
openssl([
  'x509',
  '-req',
  '-in',
  at('leaf.csr'),
  '-CA',
  at('ca.crt'),
  '-CAkey',
  at('ca.key'),
  '-CAcreateserial',
  '-out',
  at('leaf.crt'),
  '-extfile',
  at('leaf.ext'),
]);
const ca = { id: 'ca', accountId: 'a', cert: new X509Certificate(readFileSync(at('ca.crt'))) };
const chain = [new X509Certificate(readFileSync(at('leaf.crt')))];
for (let i = 0; i < WARMUP; i++) verifyClientCertificate(chain, [ca], new Date());
let ok = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) if (verifyClientCertificate(chain, [ca], new Date()) !== undefined) ok++;
const us = Number(process.hrtime.bigint() - t0) / 1000 / N;
console.log(
  JSON.stringify({ bench: 'mtls-verify-cost', calls: N, verified: ok, microsecondsPerCall: Number(us.toFixed(1)) }),
);
