import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket, Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { hostOf } from './host-of.js';
import { meetsMinTls, securityHeaders, type ZoneSettingsTable } from './zone-edge-settings.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Plain HTTP, `always_use_https` on: 301 to the same URL over https (308 for other methods than
 * GET and HEAD, so a POST is repeated as a POST). `httpsPort` is left out of the URL when it is 443.
 */
export function alwaysUseHttps(table: ZoneSettingsTable, httpsPort: () => number | undefined, next: Handler): Handler {
  return (req, res) => {
    const host = hostOf(req.headers.host);
    const port = httpsPort();
    if (port === undefined || host === undefined || !redirectsToHttps(table, port, host)) {
      next(req, res);
      return;
    }
    const path = (req.url ?? '/').startsWith('/') ? (req.url ?? '/') : '/';
    const location = `https://${host}${port === 443 ? '' : `:${port}`}${path}`;
    const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
    res.writeHead(status, { location, 'content-length': 0, 'cache-control': 'no-store' });
    res.end();
  };
}

/** Whether a plain HTTP request for `host` (lower case, no port) is redirected to HTTPS. */
export function redirectsToHttps(
  table: ZoneSettingsTable,
  httpsPort: number | undefined,
  host: string | undefined,
): boolean {
  return httpsPort !== undefined && table.for(host)?.always_use_https === 'on';
}

/** HTTPS answers for a zone with `security_header` on carry HSTS (and nosniff when asked). */
export function withSecurityHeaders(table: ZoneSettingsTable, next: Handler): Handler {
  return (req, res) => {
    const s = table.for(hostOf(req.headers.host ?? req.headers[':authority']?.toString()));
    if (s !== undefined) for (const [name, value] of securityHeaders(s.security_header)) res.setHeader(name, value);
    next(req, res);
  };
}

/**
 * `min_tls_version` per SNI: node fixes a connection's protocol range before the SNI callback can
 * pick one, so a handshake below the zone's minimum is completed and then closed at once, before
 * any request is read (curl reports an empty reply or a reset). The listener's floor stays TLS 1.2.
 */
export function enforceMinTls(server: TlsServer, table: ZoneSettingsTable, logger: Logger): void {
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const servername = typeof socket.servername === 'string' ? socket.servername : undefined;
    const s = table.for(servername);
    if (s === undefined || meetsMinTls(socket.getProtocol(), s.min_tls_version)) return;
    logger.debug(
      { servername, protocol: socket.getProtocol(), min: s.min_tls_version },
      'edge: TLS below the zone minimum',
    );
    socket.destroy();
  });
}
