import type { ClientRequestArgs } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { WarrenError } from '../errors/index.js';

/** Where one pool's connections go and how they are made. */
export interface OriginEndpoint {
  tls: boolean;
  host: string;
  port: number;
  /** unix: and unix+tls: services */
  socketPath: string | undefined;
}

/** node's `createConnection` shape (agents and `http.request`). */
export type ConnectFn = (options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => Duplex;

/** A host for a URL: IPv6 literals in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Where a fresh (upgrade) TLS connection goes, and its SNI. */
export function pathOrHost(endpoint: OriginEndpoint, options: ClientRequestArgs): TlsConnectionOptions {
  const servername = (options as { servername?: string }).servername;
  const target: TlsConnectionOptions =
    endpoint.socketPath !== undefined ? { path: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  // An explicit originServerName (in tlsOptions) wins; else the request's (matchSNItoHost).
  if (servername !== undefined && servername !== '') target.servername = servername;
  return target;
}

/** Arms the named connect and TLS timeouts of one new connection (once per connection, not per request). */
export function armTimeouts<S extends Socket>(socket: S, connectMs: number, tlsMs: number, tls: boolean): S {
  let timer: NodeJS.Timeout | undefined;
  const clear = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const tlsPhase = (): void => {
    clear();
    if (!tls) return;
    timer = setTimeout(() => {
      socket.destroy(
        new WarrenError(
          'WARREN_ORIGIN_TIMEOUT',
          `the TLS handshake with the origin did not finish within ${tlsMs} ms (originRequest.tlsTimeout)`,
        ),
      );
    }, tlsMs);
    socket.once('secureConnect', clear);
  };
  if (socket.connecting) {
    timer = setTimeout(() => {
      socket.destroy(
        new WarrenError(
          'WARREN_ORIGIN_TIMEOUT',
          `no connection to the origin within ${connectMs} ms (originRequest.connectTimeout)`,
        ),
      );
    }, connectMs);
    socket.once('connect', tlsPhase);
  } else {
    tlsPhase();
  }
  socket.once('close', clear);
  return socket;
}
