import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_PREFIX } from './api-server.js';

/** Where `npm run build` puts the dashboard bundle (web/dist), from dist/src/control/. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const MAX_FILES = 500; // the bundle has a handful; a runaway directory is not served whole
const IMMUTABLE = 'public, max-age=31536000, immutable'; // 1 year: /assets/ names carry a content hash
/**
 * The SPA runs only its own script and styles; it talks to this origin only; no framing, no
 * <base>, forms only to itself.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** Paths that belong to the server, never to the single-page app's fallback. */
const SERVER_PATHS = [API_PREFIX, '/healthz', '/metrics', '/cdn-cgi/', '/setup', '/argotunnel'];

interface StaticFile {
  body: Buffer;
  type: string;
  /** Hashed name under /assets/: cached for a year. */
  immutable: boolean;
}

/** The built dashboard, read once into memory (it is a few hundred KiB). */
export class DashboardBundle {
  readonly #files: Map<string, StaticFile>;
  readonly index: Buffer;

  private constructor(files: Map<string, StaticFile>, index: Buffer) {
    this.#files = files;
    this.index = index;
  }

  /** The bundle in `dir`, or undefined when it was not built (`npm run build` builds it). */
  static load(dir: string): DashboardBundle | undefined {
    const indexPath = join(dir, 'index.html');
    if (!existsSync(indexPath)) return undefined;
    const files = new Map<string, StaticFile>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        if (files.size >= MAX_FILES) return;
        const full = join(d, name);
        if (statSync(full).isDirectory()) walk(full);
        else {
          const url = `/${relative(dir, full).split(sep).join('/')}`;
          files.set(url, {
            body: readFileSync(full),
            type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
            immutable: url.startsWith('/assets/'),
          });
        }
      }
    };
    walk(dir);
    return new DashboardBundle(files, readFileSync(indexPath));
  }

  file(path: string): StaticFile | undefined {
    return path === '/index.html' ? undefined : this.#files.get(path);
  }
}

/** Sends the dashboard's index.html: never cached (it names the current hashed assets). */
export function sendDashboard(reply: FastifyReply, bundle: DashboardBundle): FastifyReply {
  return securityHeaders(reply)
    .code(200)
    .header('content-type', TYPES['.html'] as string)
    .header('cache-control', 'no-store')
    .send(bundle.index);
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}

/**
 * The dashboard on the API port, as the API server's not-found fallback (so the router's own
 * errors for API paths stay as they are): its files (hashed assets cached for a year), and
 * index.html for any other GET outside the server's own paths, so deep links work. `/` itself
 * is the home page's (it shows the first-run setup page while warren has no user).
 */
export function dashboardFallback(bundle: DashboardBundle): (req: FastifyRequest, reply: FastifyReply) => boolean {
  return (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = req.url.split('?')[0] ?? '/';
    if (SERVER_PATHS.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) return false;
    const f = bundle.file(path);
    if (f !== undefined) {
      void securityHeaders(reply)
        .code(200)
        .header('content-type', f.type)
        .header('cache-control', f.immutable ? IMMUTABLE : 'no-cache')
        .send(f.body);
      return true;
    }
    // A missing asset is a 404 (an old index.html naming a replaced bundle must not get HTML).
    if (path.startsWith('/assets/')) return false;
    void sendDashboard(reply, bundle);
    return true;
  };
}
