import { filePathProblem } from './file-path-problem.js';
import { IngressError } from './ingress-error.js';

/** Where a rule sends its requests; parsed from the rule's `service` string. */
export type OriginService =
  /** http://, https://, ws://, wss:// (cloudflared treats the ws schemes as http). */
  | { kind: 'http'; url: URL; tls: boolean; host: string; port: number }
  /** unix:/path (http) or unix+tls:/path (https) */
  | { kind: 'unix'; path: string; tls: boolean }
  | { kind: 'http_status'; status: number }
  | { kind: 'hello_world' }
  /** tcp://, ssh://, rdp://, smb://: reached by `warren access tcp` clients. */
  | { kind: 'tcp'; url: URL }
  /** udp://host:port: datagrams from `warren access udp` clients, one stream per client flow. */
  | { kind: 'udp'; url: URL; host: string; port: number };

/**
 * A service string that cannot work: an `IngressError` (WARREN_INGRESS_INVALID) without a rule
 * number yet; `problem` says what is wrong, `fix` what to write instead. The ingress reader adds
 * the rule's number.
 */
function invalidService(problem: string, fix: string): IngressError {
  return new IngressError(undefined, problem, fix);
}

const TCP_SCHEMES = new Set(['tcp:', 'ssh:', 'rdp:', 'smb:']);
const UNSUPPORTED = new Set(['bastion', 'socks-proxy', 'warp-routing']);

export function parseOriginService(service: string): OriginService {
  const s = service.trim();
  if (s === '') {
    throw invalidService('is empty', 'write e.g. "service: http://localhost:8080"');
  }
  if (s.startsWith('unix:') || s.startsWith('unix+tls:')) {
    const tls = s.startsWith('unix+tls:');
    const path = s.slice(tls ? 9 : 5);
    if (path === '') {
      throw invalidService(`"${s}" names no socket`, 'write the socket path, e.g. "unix:/run/app.sock"');
    }
    // A socket on the connector's host: its shape is checked here, `~` expanded where the connector runs.
    const problem = filePathProblem(path);
    if (problem !== undefined) {
      throw invalidService(
        `"${s}": the socket path ${problem}`,
        'write the path of the origin\'s socket on the connector\'s host, e.g. "unix:/run/app.sock" or "unix:~/app.sock"',
      );
    }
    return { kind: 'unix', path, tls };
  }
  if (s.startsWith('http_status:')) {
    const code = s.slice(12);
    const status = Number(code);
    if (!/^\d{3}$/.test(code) || status < 200 || status > 599) {
      throw invalidService(
        `"${s}" is not an HTTP status a tunnel can answer with`,
        'write a status from 200 to 599, e.g. "http_status:404"',
      );
    }
    return { kind: 'http_status', status };
  }
  if (s === 'hello_world' || s === 'hello-world') return { kind: 'hello_world' };
  if (UNSUPPORTED.has(s)) {
    throw invalidService(
      `"${s}" is not supported by warren`,
      s === 'bastion'
        ? 'write a tcp:// service with "originRequest: { bastionMode: true, bastionDestinations: [HOST:PORT] }"'
        : 'use an http://, https://, unix:, tcp:// or http_status: service',
    );
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw invalidService(
      `"${s}" is not a valid service`,
      'write a URL with a scheme and a host (e.g. "http://localhost:8080"), "unix:/path", "http_status:404" or "hello_world"',
    );
  }
  if (url.hostname === '') {
    throw invalidService(`"${s}" has no host`, 'write a URL with a host, e.g. "http://localhost:8080"');
  }
  // The visitor's path is sent unchanged; a path here would silently be ignored (cloudflared refuses it too).
  const hasPath = url.pathname !== '' && url.pathname !== '/';
  if (hasPath || url.search !== '' || url.hash !== '') {
    throw invalidService(
      `"${s}" has a path: ingress rules cannot proxy to a different path on the origin, the visitor's path is kept`,
      `write only the scheme, host and port, e.g. "${url.protocol}//${url.host}"`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidService(`"${s}" holds credentials`, 'remove the user:password@ part');
  }
  const p = url.protocol;
  if (p === 'http:' || p === 'https:' || p === 'ws:' || p === 'wss:') {
    const tls = p === 'https:' || p === 'wss:';
    return {
      kind: 'http',
      url,
      tls,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (tls ? 443 : 80)),
    };
  }
  if (TCP_SCHEMES.has(p)) {
    if (url.port === '' && p === 'tcp:') {
      throw invalidService(`"${s}" has no port`, 'write the port, e.g. "tcp://localhost:5432"');
    }
    return { kind: 'tcp', url };
  }
  if (p === 'udp:') {
    if (url.port === '') {
      throw invalidService(`"${s}" has no port`, 'write the port, e.g. "udp://localhost:53"');
    }
    return { kind: 'udp', url, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  }
  throw invalidService(
    `"${s}" has the unknown scheme "${p.slice(0, -1)}"`,
    'use http://, https://, unix:, unix+tls:, tcp://, ssh://, udp://, http_status:NNN or hello_world',
  );
}

/**
 * `--url` as cloudflared reads it: `localhost:3000` (no `scheme://`) means http://localhost:3000.
 * unix: sockets and the named services (hello_world, http_status:N) are kept as written.
 */
export function originUrlOf(raw: string): string {
  const s = raw.trim();
  if (s.includes('://') || /^(unix|unix\+tls|http_status):/.test(s) || s === 'hello_world' || s === 'hello-world') {
    return s;
  }
  return `http://${s}`;
}

/** How a service is shown back to users (as written, normalised). */
export function describeService(service: OriginService): string {
  switch (service.kind) {
    case 'http':
      return `${service.url.protocol}//${service.url.host}`;
    case 'unix':
      return `${service.tls ? 'unix+tls' : 'unix'}:${service.path}`;
    case 'http_status':
      return `http_status:${service.status}`;
    case 'hello_world':
      return 'hello_world';
    case 'tcp':
    case 'udp':
      return `${service.url.protocol}//${service.url.host}`;
  }
}
