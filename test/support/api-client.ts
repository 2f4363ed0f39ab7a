import assert from 'node:assert/strict';
import { ADMIN_TOKEN, type Envelope } from './control-harness.js';

/** One answer of the control API: the HTTP status and Cloudflare's envelope. */
export interface ApiAnswer<R> {
  status: number;
  json: Envelope<R>;
}

/**
 * The control API of a running `warren serve` over real HTTP, as a client sees it. Calling it
 * returns the envelope; `.call` adds the status; `.result` asserts success and returns the result.
 */
export interface ApiClient {
  <R = unknown>(method: string, path: string, body?: unknown): Promise<Envelope<R>>;
  call<R = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<R>>;
  result<R = unknown>(method: string, path: string, body?: unknown): Promise<R>;
}

/**
 * A client of `/client/v4` at `base` (serve.apiBase; a function when the server starts later,
 * in `before`), with a Bearer `token` (the bootstrap admin's by default).
 *
 * @example
 * const api = apiClient(() => serve.apiBase);
 * const account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id;
 */
export function apiClient(base: string | (() => string), token: string = ADMIN_TOKEN): ApiClient {
  const call = async <R>(method: string, path: string, body?: unknown): Promise<ApiAnswer<R>> => {
    const root = typeof base === 'string' ? base : base();
    const res = await fetch(`${root}/client/v4${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json()) as Envelope<R> };
  };
  const envelope = async <R>(method: string, path: string, body?: unknown): Promise<Envelope<R>> =>
    (await call<R>(method, path, body)).json;
  const result = async <R>(method: string, path: string, body?: unknown): Promise<R> => {
    const { status, json } = await call<R>(method, path, body);
    assert.ok(json.success, `${method} ${path}: ${status} ${JSON.stringify(json.errors)}`);
    return json.result;
  };
  return Object.assign(envelope, { call, result });
}
