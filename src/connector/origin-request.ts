import type { Socket } from 'node:net';
import type { BodySink } from '../protocol/index.js';

/** A request body that arrives later and is pushed into a sink (a MuxStream is one). */
export interface BodySource {
  pipeTo(sink: BodySink): void;
}

/** One request for `OriginPool.dispatch` / `upgrade` (undici's dispatch options, cut to what warren sends). */
export interface OriginRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Raw header list: name, value, name, value… */
  readonly headers: readonly string[];
  /** null: no body; a Buffer: a whole body (sent with its Content-Length); a source: streamed. */
  readonly body: Buffer | BodySource | null;
  /** SNI for https origins (matchSNItoHost); undefined keeps the pool's. */
  readonly servername: string | undefined;
}

/**
 * What hears one request's outcome (undici's DispatchHandler, with string headers). Exactly one
 * of `onComplete` / `onError` ends it; `onConnect` may come again when the pool retries.
 */
export interface OriginResponseHandler {
  /** `abort` cancels the request (its connection is not reused). */
  onConnect(abort: (err?: Error) => void): void;
  /** A final (non-1xx) response head; `resume` restarts a body paused by `onData` returning false. */
  onHeaders(status: number, headers: string[], resume: () => void): void;
  /** A body chunk; false pauses the origin until `resume`. */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(err: Error): void;
}

/** For `OriginPool.upgrade`: an origin that answers 101 hands over its socket. */
export interface OriginUpgradeHandler extends OriginResponseHandler {
  onUpgrade(headers: string[], socket: Socket, early: Buffer): void;
}
