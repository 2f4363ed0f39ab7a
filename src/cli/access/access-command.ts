import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCESS_CLI_PATH, ACCESS_CLI_TOKEN_PATH, accessCliCode } from '../../edge/access/access-cli-code.js';
import { WarrenError } from '../../errors/index.js';
import { openBrowser } from '../login-command.js';
import { fetchSmall, type Resolve } from './access-http-client.js';
import { accessTokenPath, cachedToken, saveToken, usableToken } from './access-token-cache.js';

/** How long `warren access login` waits for the browser confirmation. */
const LOGIN_WAIT_MS = 5 * 60_000; // 5 minutes, the life of a confirmed transfer
const POLL_INTERVAL_MS = 1000; // 1 second between polls: a map lookup at the edge

export interface AccessTarget {
  url: URL;
  resolve: readonly Resolve[];
}

export interface ServiceToken {
  id: string;
  secret: string;
}

/** What the edge says about a URL: its app's AUD tag, from the login redirect an anonymous visitor gets. */
export async function probeApp(t: AccessTarget): Promise<{ aud: string }> {
  const r = await fetchSmall(t.url, { method: 'HEAD', resolve: t.resolve });
  const location = r.headers.location;
  if (r.status === 302 && typeof location === 'string') {
    let aud: string | null = null;
    try {
      const to = new URL(location, t.url);
      if (to.pathname.startsWith('/cdn-cgi/access/login/')) aud = to.searchParams.get('kid');
    } catch {
      // not a login redirect
    }
    if (aud !== null && /^[0-9a-f]{64}$/.test(aud)) return { aud };
  }
  throw new WarrenError(
    'WARREN_ACCESS_NOT_PROTECTED',
    `${t.url.origin}${t.url.pathname} is not behind Access (it answered ${r.status} without a login redirect); check the URL`,
  );
}

/** `warren access login URL`: the cached token when it is still valid, else the browser transfer. */
export async function accessLogin(t: AccessTarget, browser: boolean, announce = true): Promise<string> {
  const { aud } = await probeApp(t);
  const have = await cachedToken(t.url.hostname, aud);
  if (have !== undefined) {
    if (announce)
      process.stderr.write(`Already logged in: ${accessTokenPath(t.url.hostname, aud)} holds a valid token.\n`);
    return have;
  }
  const transfer = randomBytes(32).toString('base64url');
  const code = accessCliCode(transfer);
  const q = `transfer=${transfer}&app_path=${encodeURIComponent(t.url.pathname)}`;
  const page = `${t.url.origin}${ACCESS_CLI_PATH}?${q}`;
  const opened = browser && openBrowser(page);
  process.stderr.write(
    `${opened ? 'A browser window should have opened at' : 'Please open this URL in a browser and log in'}:\n\n${page}\n\n` +
      `Authorize only if the page shows the code ${code}.\nWaiting for the login to be authorized…\n`,
  );
  const poll = new URL(`${t.url.origin}${ACCESS_CLI_TOKEN_PATH}?${q}`);
  const deadline = Date.now() + LOGIN_WAIT_MS;
  while (Date.now() < deadline) {
    const r = await fetchSmall(poll, { resolve: t.resolve });
    if (r.status === 200) {
      const token = tokenIn(r.body);
      if (token === undefined || !usableToken(token, aud)) {
        throw new WarrenError(
          'WARREN_ACCESS_UNREACHABLE',
          `${t.url.origin} handed out a token that is not for this app`,
        );
      }
      const path = await saveToken(t.url.hostname, aud, token);
      process.stderr.write(`Logged in; the token is saved in ${path}.\n`);
      return token;
    }
    if (r.status !== 202) {
      throw new WarrenError(
        'WARREN_ACCESS_UNREACHABLE',
        `${t.url.origin} answered ${r.status} while waiting for the login`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new WarrenError(
    'WARREN_ACCESS_LOGIN_TIMEOUT',
    `nobody authorized this login in the browser within ${LOGIN_WAIT_MS / 60_000} minutes; run \`warren access login\` again`,
  );
}

function tokenIn(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as { token?: unknown };
    return typeof v.token === 'string' ? v.token : undefined;
  } catch {
    return undefined;
  }
}

/** `warren access token --app URL`: the cached token, or a clear refusal. */
export async function accessToken(t: AccessTarget): Promise<string> {
  const { aud } = await probeApp(t);
  const token = await cachedToken(t.url.hostname, aud);
  if (token === undefined) {
    throw new WarrenError(
      'WARREN_ACCESS_NO_TOKEN',
      `no valid token for ${t.url.origin} (none cached, or it expired); run \`warren access login ${t.url.origin}${t.url.pathname}\``,
    );
  }
  return token;
}

/**
 * `warren access curl URL [curl args…]`: curl with `cf-access-token` (logging in first when no
 * valid token is cached), or with the service token's two headers. The headers go to curl in a
 * 0600 file (`-H @file`), never on its command line, where `ps` would show them.
 */
export async function accessCurl(
  t: AccessTarget,
  curlArgs: readonly string[],
  o: { serviceToken: ServiceToken | undefined; browser: boolean },
): Promise<number> {
  const curl = findOnPath('curl');
  if (curl === undefined) {
    throw new WarrenError(
      'WARREN_CURL_MISSING',
      'curl is not installed or not on PATH; install it, or send `cf-access-token: $(warren access token --app URL)` yourself',
    );
  }
  const headers =
    o.serviceToken !== undefined
      ? [`CF-Access-Client-Id: ${o.serviceToken.id}`, `CF-Access-Client-Secret: ${o.serviceToken.secret}`]
      : [`cf-access-token: ${await accessLogin(t, o.browser, false)}`];
  const dir = mkdtempSync(join(tmpdir(), 'warren-access-'));
  try {
    const file = join(dir, 'headers');
    writeFileSync(file, `${headers.join('\n')}\n`, { mode: 0o600 });
    const args = [
      ...t.resolve.flatMap((r) => [
        '--resolve',
        `${r.host}:${r.port}:${isIP(r.address) === 6 ? `[${r.address}]` : r.address}`,
      ]),
      '-H',
      `@${file}`,
    ];
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(curl, [...args, ...curlArgs, t.url.href], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}
