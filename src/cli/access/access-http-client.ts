import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { WarrenError } from '../../errors/index.js';

/** curl's `--resolve host:port:address`: this name and port connect to this address. */
export interface Resolve {
  host: string;
  port: number;
  address: string;
}

const MAX_BODY_BYTES = 64 * 1024; // 64 KiB: the CLI reads small JSON answers and redirects only
const REQUEST_TIMEOUT_MS = 15_000; // 15 seconds per request

export function parseResolve(spec: string): Resolve {
  const m = /^([^:]+):(\d{1,5}):(.+)$/.exec(spec);
  const address = m?.[3]?.replace(/^\[(.*)\]$/, '$1');
  if (m === null || address === undefined || isIP(address) === 0) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--resolve expects host:port:address as curl's (e.g. app.example.com:443:127.0.0.1), got "${spec}"`,
    );
  }
  return { host: (m[1] as string).toLowerCase(), port: Number(m[2]), address };
}

export function portOf(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

export interface SmallResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request without following redirects; `resolve` overrides DNS as curl's `--resolve` does. */
export function fetchSmall(
  url: URL,
  o: { method?: string; headers?: Record<string, string>; resolve: readonly Resolve[] },
): Promise<SmallResponse> {
  const pin = o.resolve.find((r) => r.host === url.hostname.toLowerCase() && r.port === portOf(url));
  const lookup =
    pin === undefined
      ? undefined
      : (
          _host: string,
          opts: { all?: boolean },
          cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
        ): void => {
          const family = isIP(pin.address);
          if (opts.all === true) cb(null, [{ address: pin.address, family }]);
          else cb(null, pin.address, family);
        };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: o.method ?? 'GET', headers: o.headers, lookup, timeout: REQUEST_TIMEOUT_MS });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) =>
      reject(
        new WarrenError('WARREN_ACCESS_UNREACHABLE', `cannot reach ${url.origin}: ${err.message}`, { cause: err }),
      ),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          reject(new WarrenError('WARREN_ACCESS_UNREACHABLE', `${url.origin} answered more than expected`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.end();
  });
}
