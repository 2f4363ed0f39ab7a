/**
 * The dashboard's one way to the control API: `/client/v4/...` with the session cookie, the
 * CSRF header on every state-changing request, and Cloudflare's envelope unwrapped. Routes are
 * named by their OpenAPI template (`/accounts/{account_id}/cfd_tunnel`), so the path, its
 * parameters, the query and the body are checked against the generated `schema/*.d.ts`; the
 * result's type comes from `results.ts`. A failure throws `ApiError`.
 */
import { ApiError, type ApiErrorItem } from './api-error';
import type { ResultOf } from './results';
import type { components, paths } from './schema';

export const API_BASE = '/client/v4';
/** The header the server compares with the session's CSRF token on POST, PUT, PATCH and DELETE. */
export const CSRF_HEADER = 'X-Warren-CSRF';
/** Fired on window when the API answers 401 to a signed-in dashboard: the session ended. */
export const SIGNED_OUT_EVENT = 'warren:signed-out';

export type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The route templates that answer `verb`. */
export type Route<V extends Verb> = {
  [P in keyof paths]: undefined extends paths[P][V] ? never : P;
}[keyof paths];
type Operation<P extends keyof paths, V extends Verb> = NonNullable<paths[P][V]>;
type PathOf<O> = O extends { parameters: { path: infer X } } ? X : undefined;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : undefined;
type BodyOf<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : undefined;

/** What one call of `template` sends: its path parameters, query and body, as openapi.json defines them. */
export type Call<V extends Verb, P extends Route<V>> = (PathOf<Operation<P, V>> extends undefined
  ? { path?: undefined }
  : { path: PathOf<Operation<P, V>> }) & { query?: QueryOf<Operation<P, V>> } & (BodyOf<
    Operation<P, V>
  > extends undefined
    ? { body?: undefined }
    : { body: BodyOf<Operation<P, V>> });

export type ResultInfo = NonNullable<components['schemas']['Envelope']['result_info']>;

export interface Envelope<T> {
  result: T;
  result_info?: ResultInfo;
}

type QueryValue = string | number | boolean | undefined;

/** The path with a query string from the defined, non-empty values of `params`. */
export function withQuery(path: string, params: Readonly<Record<string, QueryValue>> | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

/** `template` with each `{name}` replaced by its URI-encoded parameter. */
export function fillPath(template: string, params: object | undefined): string {
  const values = (params ?? {}) as Readonly<Record<string, string>>;
  return template.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new TypeError(`${template} needs the path parameter ${name}`);
    return encodeURIComponent(v);
  });
}

let csrfToken = '';

/** Set once the session is known (sign-in, or GET /user/sessions/current on load). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Reads the envelope at the boundary: `errors[]` entries always have a code and a message from here on. */
function errorsOf(status: number, raw: unknown): ApiErrorItem[] {
  if (!Array.isArray(raw)) return [{ code: status, message: `the server answered ${status} without JSON` }];
  return raw.map((e: Partial<ApiErrorItem>) => ({
    ...e,
    code: typeof e.code === 'number' ? e.code : status,
    message: typeof e.message === 'string' ? e.message : `the server answered ${status}`,
  }));
}

/** One request to a concrete path below /client/v4; the whole envelope (for `result_info`). */
export async function request<T>(
  method: Uppercase<Verb>,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Envelope<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal !== undefined) init.signal = signal;
  const res = await fetch(`${API_BASE}${path}`, init);
  let env: { success?: unknown; errors?: unknown; result?: T; result_info?: ResultInfo } | undefined;
  try {
    env = (await res.json()) as typeof env;
  } catch {
    env = undefined;
  }
  if (env === undefined || typeof env !== 'object' || env === null || !Array.isArray(env.errors)) {
    throw new ApiError(res.status, errorsOf(res.status, undefined));
  }
  if (!res.ok || env.success !== true) {
    if (res.status === 401 && path !== '/user/sessions') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(res.status, errorsOf(res.status, env.errors));
  }
  return env as Envelope<T>;
}

/** The concrete path of one call: `template` filled and its query appended. */
export function urlOf(template: string, call: { path?: object | undefined; query?: object | undefined }): string {
  return withQuery(fillPath(template, call.path), call.query as Readonly<Record<string, QueryValue>> | undefined);
}

function send<V extends Exclude<Verb, 'get'>>(verb: V) {
  return async <P extends Route<V>>(template: P, call: Call<V, P>): Promise<ResultOf<V, P>> => {
    // POST and PUT always carry a body (the server's schemas want an object); DELETE only when given.
    const body = call.body ?? (verb === 'delete' ? undefined : {});
    return (await request<ResultOf<V, P>>(verb.toUpperCase() as Uppercase<V>, urlOf(template, call), body)).result;
  };
}

/** `result` of a call, typed by the route. */
export const api = {
  get: async <P extends Route<'get'>>(template: P, call: Call<'get', P>, signal?: AbortSignal) =>
    (await request<ResultOf<'get', P>>('GET', urlOf(template, call), undefined, signal)).result,
  post: send('post'),
  put: send('put'),
  patch: send('patch'),
  del: send('delete'),
};

/** The JSON body `verb` on `template` takes, as openapi.json defines it. */
export type Body<V extends Verb, P extends Route<V>> = NonNullable<Call<V, P>['body']>;
