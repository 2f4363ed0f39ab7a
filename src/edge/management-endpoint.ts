import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { WarrenError } from '../errors/index.js';
import {
  isUuid,
  TAIL_EVENT_KINDS,
  TAIL_LEVELS,
  type TailEventKind,
  type TailFilters,
  type TailLevel,
} from '../protocol/index.js';
import type { ManagementHub, TailSession } from './management-hub.js';
import { reasonPhrase } from './reason-phrase.js';

/** `GET /management/tunnels/{tunnel_id}/logs` (WebSocket), on the port that serves the API. */
const LOGS_PATH = /^\/management\/tunnels\/([0-9a-fA-F-]{36})\/logs$/;
/** A tail client that answers no ping for this long is gone: its session ends and its connectors stop. */
export const TAIL_PING_INTERVAL_MS = 30_000; // 30 seconds

export interface ManagementEndpointOptions {
  hub: ManagementHub;
  /** Checks a management token for `logs` on the tunnel; throws WARREN_MANAGEMENT_TOKEN_INVALID. */
  verify: (token: string, tunnelId: string) => { accountId: string; id: string };
  logger: Logger;
}

/**
 * The WebSocket `warren tail` connects to. The management token (Authorization: Bearer, or
 * cloudflared's `?access_token=`) names the tunnel; the path must name the same one. Filters are
 * query parameters: `connector_id`, `events=http,ws`, `level`, `sample`.
 */
export class ManagementEndpoint {
  readonly #o: ManagementEndpointOptions;
  // The client sends nothing but control frames: anything large is hostile.
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  constructor(options: ManagementEndpointOptions) {
    this.#o = options;
  }

  /** Handles an HTTP upgrade if it is for this endpoint (answered or upgraded); false leaves it to the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://management.invalid');
    const m = LOGS_PATH.exec(url.pathname);
    if (m === null) return false;
    const tunnelId = (m[1] as string).toLowerCase();
    let filters: TailFilters;
    let connectorId: string | undefined;
    try {
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : url.searchParams.get('access_token');
      if (token === null || token === undefined || token === '') {
        throw new WarrenError(
          'WARREN_MANAGEMENT_TOKEN_INVALID',
          'a management token is required (Authorization: Bearer); `warren tail` gets one by itself',
        );
      }
      const claims = this.#o.verify(token, tunnelId);
      ({ filters, connectorId } = filtersOf(url.searchParams));
      this.#o.logger.info({ tunnelId, accountId: claims.accountId, tokenId: claims.id }, 'tail session opening');
    } catch (err) {
      refuse(socket, err);
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(ws, tunnelId, filters, connectorId));
    return true;
  }

  /**
   * The `upgrade` listener of the server it shares (the API's). With a listener, node hands it
   * every request with an Upgrade header; those not for this endpoint (e.g. `Upgrade: h2c`) get a
   * 400 that says so, rather than a silently closed socket.
   */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.handleUpgrade(req, socket, head)) return;
    refuse(
      socket,
      new WarrenError(
        'WARREN_API_INVALID',
        'this port upgrades only /management/tunnels/{id}/logs (warren tail); send other requests without an Upgrade header',
      ),
    );
  };

  /** Closes every tail connection. */
  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  #serve(ws: WebSocket, tunnelId: string, filters: TailFilters, connectorId: string | undefined): void {
    let session: TailSession;
    try {
      session = this.#o.hub.open(tunnelId, filters, connectorId, {
        get backlog() {
          return ws.bufferedAmount;
        },
        send: (text) => ws.send(text),
      });
    } catch (err) {
      const e = err instanceof WarrenError ? err : undefined;
      ws.close(e?.code === 'WARREN_TAIL_SESSIONS_FULL' ? 1013 : 1011, (e?.message ?? 'internal error').slice(0, 120));
      return;
    }
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, TAIL_PING_INTERVAL_MS);
    ping.unref();
    const end = (): void => {
      clearInterval(ping);
      this.#o.hub.close(session);
    };
    ws.on('close', end);
    ws.on('error', end);
  }
}

/** Query parameters → filters; a bad one is a 400 that says what to write. */
function filtersOf(q: URLSearchParams): { filters: TailFilters; connectorId: string | undefined } {
  const invalid = (m: string): WarrenError => new WarrenError('WARREN_API_INVALID', m);
  const connectorId = q.get('connector_id') ?? undefined;
  if (connectorId !== undefined && !isUuid(connectorId)) throw invalid('connector_id must be a connector id (a UUID)');
  const events: TailEventKind[] = [];
  for (const e of (q.get('events') ?? '').split(',')) {
    if (e === '') continue;
    if (!(TAIL_EVENT_KINDS as readonly string[]).includes(e)) {
      throw invalid(`events: "${e.slice(0, 20)}" is not one of ${TAIL_EVENT_KINDS.join(', ')}`);
    }
    if (!events.includes(e as TailEventKind)) events.push(e as TailEventKind);
  }
  const level = q.get('level') ?? 'debug';
  if (!(TAIL_LEVELS as readonly string[]).includes(level))
    throw invalid(`level must be one of ${TAIL_LEVELS.join(', ')}`);
  const sampleText = q.get('sample') ?? '1';
  const sample = Number(sampleText);
  if (sampleText === '' || !(sample >= 0 && sample <= 1)) throw invalid('sample must be a number from 0 to 1');
  return { filters: { events, level: level as TailLevel, sample }, connectorId: connectorId?.toLowerCase() };
}

/** Answers a refused upgrade with the API's error envelope; never echoes the token. */
function refuse(socket: Duplex, err: unknown): void {
  const e =
    err instanceof WarrenError
      ? err
      : new WarrenError('WARREN_MANAGEMENT_TOKEN_INVALID', 'the management token could not be read', { cause: err });
  const status = e.status;
  const body = JSON.stringify({
    success: false,
    errors: [{ code: e.cfCode, message: e.message, warren_code: e.code }],
  });
  socket.end(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
