/**
 * The dashboard's one way to the control API: `/client/v4/...` with the session cookie, the
 * CSRF header on every state-changing request, and Cloudflare's envelope unwrapped. A failure
 * throws `ApiError` carrying the envelope's `errors[]`, so a form can put each message next to
 * its field (`err.forField('name')`) and show the rest above the form (`err.general()`).
 */

export const API_BASE = '/client/v4';
/** The header the server compares with the session's CSRF token on POST, PUT, PATCH and DELETE. */
export const CSRF_HEADER = 'X-Warren-CSRF';
/** Fired on window when the API answers 401 to a signed-in dashboard: the session ended. */
export const SIGNED_OUT_EVENT = 'warren:signed-out';

export interface ApiErrorItem {
  code: number;
  message: string;
  warren_code?: string;
  /** JSON pointer into the request body of the field at fault, e.g. "/name" or "/config/ingress/0/service". */
  source?: { pointer?: string };
}

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages?: number;
}

export interface Envelope<T> {
  success: boolean;
  errors: ApiErrorItem[];
  messages: unknown[];
  result: T;
  result_info?: ResultInfo;
}

export class ApiError extends Error {
  readonly status: number;
  readonly errors: readonly ApiErrorItem[];

  constructor(status: number, errors: readonly ApiErrorItem[]) {
    super(errors.map((e) => e.message).join('; ') || `the server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }

  /** The message for one body field (its `source.pointer` is `/field` or starts with `/field/`). */
  forField(field: string): string | undefined {
    const p = `/${field}`;
    const hit = this.errors.find((e) => e.source?.pointer === p || e.source?.pointer?.startsWith(`${p}/`) === true);
    return hit?.message;
  }

  /** Messages tied to none of `fields` (shown above the form). */
  general(fields: readonly string[] = []): string[] {
    return this.errors
      .filter((e) => {
        const pointer = e.source?.pointer;
        return pointer === undefined || !fields.some((f) => pointer === `/${f}` || pointer.startsWith(`/${f}/`));
      })
      .map((e) => e.message);
  }
}

/** A message for anything a request can throw (the API's words, or what went wrong on the way). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof DOMException && err.name === 'AbortError') return 'the request was cancelled';
  if (err instanceof Error) return `could not reach warren: ${err.message}`;
  return 'something went wrong';
}

let csrfToken = '';

/** Set once the session is known (sign-in, or GET /user/sessions/current on load). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The path with a query string from the defined values of `params`. */
export function withQuery(path: string, params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

/** The whole envelope (for `result_info`); throws `ApiError` unless `success`. */
export async function request<T>(
  method: Method,
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
  let env: Envelope<T> | undefined;
  try {
    env = (await res.json()) as Envelope<T>;
  } catch {
    env = undefined;
  }
  if (env === undefined || typeof env !== 'object' || env === null || !Array.isArray(env.errors)) {
    throw new ApiError(res.status, [{ code: res.status, message: `the server answered ${res.status} without JSON` }]);
  }
  if (!res.ok || env.success !== true) {
    if (res.status === 401 && path !== '/user/sessions') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(res.status, env.errors);
  }
  return env;
}

/** `result` of a request. */
export const api = {
  get: async <T>(path: string, signal?: AbortSignal): Promise<T> =>
    (await request<T>('GET', path, undefined, signal)).result,
  post: async <T>(path: string, body?: unknown): Promise<T> => (await request<T>('POST', path, body ?? {})).result,
  put: async <T>(path: string, body?: unknown): Promise<T> => (await request<T>('PUT', path, body ?? {})).result,
  patch: async <T>(path: string, body?: unknown): Promise<T> => (await request<T>('PATCH', path, body ?? {})).result,
  del: async <T>(path: string, body?: unknown): Promise<T> => (await request<T>('DELETE', path, body)).result,
};
