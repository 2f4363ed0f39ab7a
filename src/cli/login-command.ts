import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ControlClient } from '../control/client/control-client.js';
import { WarrenError } from '../errors/index.js';
import { parseOriginCertBundle } from '../pki/origin-cert-bundle.js';
import { defaultOriginCertPath } from '../pki/origin-cert-file.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8081';
const LONG_POLL_MS = 25_000; // 25 seconds per poll; the server answers "pending" after it
const POLL_HTTP_TIMEOUT_MS = 40_000; // 40 seconds: the long poll plus slack

export interface LoginOptions {
  api: string;
  apiToken: string | undefined;
  zone: string | undefined;
  force: boolean;
  /** Where to write cert.pem (default ~/.warren/cert.pem). */
  path: string | undefined;
  /** false: only print the URL. */
  browser: boolean;
}

/** `warren login`: the browser flow (or the headless one with --api-token and --zone) → cert.pem. */
export async function runLogin(o: LoginOptions): Promise<void> {
  const path = o.path ?? defaultOriginCertPath();
  if (existsSync(path) && !o.force) {
    throw new WarrenError(
      'WARREN_FILE_EXISTS',
      `${path} already exists; move it away or run \`warren login --force\` to replace it`,
    );
  }
  if ((o.apiToken === undefined) !== (o.zone === undefined)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      'the headless login needs both --api-token and --zone (or neither, for the browser flow)',
    );
  }
  const pem = o.apiToken !== undefined ? await headless(o) : await viaBrowser(o);
  const bundle = parseOriginCertBundle(pem, 'the certificate bundle the API sent');
  await writeSecretFile(path, pem, o.force);
  const home = dirname(path);
  const client = new ControlClient(bundle.token.apiURL, undefined);
  // Trust material next to cert.pem: the edge CA the connector pins, and the origin CA root.
  await saveIfAbsent(join(home, 'edge-ca.pem'), () => client.text('/edge_ca.pem'), o.force);
  await saveIfAbsent(join(home, 'origin-ca-root.pem'), () => client.text('/certificates/origin_ca_root.pem'), o.force);
  const sans = new X509Certificate(bundle.certificate).subjectAltName ?? '';
  process.stdout.write(
    `You have successfully logged in.\nIf you wish to copy your credentials to a server, they have been saved to:\n${path}\n` +
      `  zone ${bundle.token.zoneID} (${sans.replaceAll('DNS:', '')}), account ${bundle.token.accountID}, edge ${bundle.token.edge}\n`,
  );
}

async function headless(o: LoginOptions): Promise<string> {
  const client = new ControlClient(o.api, o.apiToken);
  const r = await client.call<{ cert_pem: string }>('POST', '/login/bundle', { zone: o.zone });
  return r.cert_pem;
}

async function viaBrowser(o: LoginOptions): Promise<string> {
  const key = randomBytes(32).toString('base64url');
  const client = new ControlClient(o.api, undefined);
  const url = `${client.baseUrl}/argotunnel?callback=${encodeURIComponent(key)}`;
  const opened = o.browser && openBrowser(url);
  // "If the browser doesn't open" only when one was started: with --no-browser (or none to start) there is none.
  process.stdout.write(
    opened
      ? `A browser window should have opened at the following URL:\n\n${url}\n\n` +
          "If the browser doesn't open, copy the URL into one yourself. Waiting for the login to be authorized…\n"
      : `Please open the following URL in a browser and log in with your warren account:\n\n${url}\n\n` +
          'Waiting for the login to be authorized…\n',
  );
  for (;;) {
    let r: { status: 'ready' | 'pending'; cert_pem?: string };
    try {
      r = await client.call(
        'POST',
        '/login/transfer',
        { key, wait_ms: LONG_POLL_MS },
        { timeoutMs: POLL_HTTP_TIMEOUT_MS },
      );
    } catch (err) {
      if (err instanceof WarrenError && err.code === 'WARREN_LOGIN_EXPIRED') {
        throw new WarrenError(
          'WARREN_LOGIN_TIMEOUT',
          'nobody authorized this login in the browser in time; run `warren login` again (or use --api-token and --zone)',
          { cause: err },
        );
      }
      throw err;
    }
    if (r.status === 'ready' && r.cert_pem !== undefined) return r.cert_pem;
  }
}

/** Starts the desktop's browser when there is one; false when there is none to start. */
export function openBrowser(url: string): boolean {
  const cmd =
    process.platform === 'darwin'
      ? 'open'
      : process.platform === 'win32'
        ? 'explorer'
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? 'xdg-open'
          : undefined;
  if (cmd === undefined) return false;
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Writes a 0600 file in a 0700 directory, atomically (a temp file renamed over the target). */
export async function writeSecretFile(path: string, content: string, overwrite: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (!overwrite && existsSync(path)) {
    throw new WarrenError('WARREN_FILE_EXISTS', `${path} appeared while logging in; run \`warren login --force\``);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function saveIfAbsent(path: string, get: () => Promise<string>, overwrite: boolean): Promise<void> {
  if (existsSync(path) && !overwrite) return;
  try {
    await writeFile(path, await get(), { mode: 0o644 });
  } catch {
    // Optional: without it the user passes --edge-ca / caPool themselves.
  }
}
