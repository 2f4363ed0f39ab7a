import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';
import { selfSigned } from './self-signed.js';
import { tempDir } from './warren-processes.js';

export interface Pebble {
  /** `https://127.0.0.1:<port>/dir` */
  directoryUrl: string;
  /** The throwaway certificate (PEM file) of pebble's own HTTPS listeners: NODE_EXTRA_CA_CERTS. */
  listenerCaPath: string;
  listenerCa: string;
  /** The root that signs what pebble issues (PEM), from the management port's /roots/0. */
  root(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Debian's `pebble` (Let's Encrypt's ACME test server) on loopback: HTTP-01 checks go to
 * `httpPort` (warren's visitor HTTP port) at the address its resolver (`dnsServer`, warren's
 * DNS) gives; `PEBBLE_VA_NOSLEEP=1`; its listener uses a throwaway self-signed certificate.
 */
export async function startPebble(o: { httpPort: number; dnsServer: string }): Promise<Pebble> {
  const dir = tempDir('warren-pebble-');
  const listener = selfSigned({ cn: 'pebble listener', san: 'IP:127.0.0.1,DNS:localhost', days: 2 });
  const [listen, management, tls] = [await freePort(), await freePort(), await freePort()];
  const config = join(dir, 'pebble-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: listener.certPath,
        privateKey: listener.keyPath,
        httpPort: o.httpPort,
        tlsPort: tls,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn('pebble', ['-config', config, '-dnsserver', o.dnsServer], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const listenerCa = listener.cert;
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  await eventually(() => httpsGet(directoryUrl, listenerCa), 15_000, 'pebble listening');
  return {
    directoryUrl,
    listenerCaPath: listener.certPath,
    listenerCa,
    root: () => httpsGet(`https://127.0.0.1:${management}/roots/0`, listenerCa),
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
