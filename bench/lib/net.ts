import { request } from 'node:http';
import { type AddressInfo, connect, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A port that was free a moment ago on 127.0.0.1 (for programs that cannot report the port they bound). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, LOOPBACK, resolve);
  });
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Resolves once a TCP connect to 127.0.0.1:port succeeds; rejects at the deadline. */
export async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, LOOPBACK);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what}: nothing listens on ${LOOPBACK}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Target {
  /** http://127.0.0.1:PORT — always loopback. */
  base: string;
  /** Host header to send (tunnels route by it); undefined = the address itself. */
  host: string | undefined;
}

/** One GET; resolves with status and body (capped), rejects on a network error or after `timeoutMs`. */
export function get(
  target: Target,
  path: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.base);
    assertLoopback(url);
    const req = request(
      url,
      { headers: { ...headers, ...(target.host !== undefined ? { host: target.host } : {}) }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65_536) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url.href}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls GET `path` until it answers 200 with `expect` in its body; rejects at the deadline. */
export async function waitForOk(target: Target, path: string, expect: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const r = await get(target, path, Math.max(500, deadline - Date.now()));
      if (r.status === 200 && r.body.includes(expect)) return;
      last = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${target.base}${path} not ready after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bench only ever sends traffic to this machine. */
export function assertLoopback(url: URL): void {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  if (h !== '127.0.0.1' && h !== '::1' && h !== 'localhost') {
    throw new Error(`refusing to send bench traffic to ${url.host}: only 127.0.0.1 / ::1`);
  }
}
