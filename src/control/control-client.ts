import { isWarrenErrorCode, WarrenError } from '../errors/index.js';

export const CONTROL_REQUEST_TIMEOUT_MS = 30_000; // 30 seconds for one API call (long polls pass their own)

interface EnvelopeShape {
  success?: boolean;
  errors?: { code?: number; message?: string; warren_code?: string }[];
  result?: unknown;
}

/**
 * A small client of warren's control API for the command line: Bearer auth, the v4 envelope
 * unwrapped, failures turned into WarrenErrors with the server's code and message (which
 * already say what to do). The token never appears in an error.
 */
export class ControlClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  /** `baseUrl` without /client/v4, e.g. http://127.0.0.1:8081. */
  constructor(baseUrl: string, token: string | undefined) {
    if (!URL.canParse(baseUrl)) throw new TypeError(`"${baseUrl}" is not a URL: write e.g. http://127.0.0.1:8081`);
    this.baseUrl = baseUrl.replace(/\/+$/, '').replace(/\/client\/v4$/, '');
    this.#token = token;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await this.#fetch(`/client/v4${path}`, method, body, options);
    let env: EnvelopeShape;
    try {
      env = (await res.json()) as EnvelopeShape;
    } catch (cause) {
      throw new WarrenError(
        'WARREN_API_UNREACHABLE',
        `${this.baseUrl} answered ${method} ${path.split('?')[0]} with HTTP ${res.status} and no API envelope; is it a warren control API?`,
        { cause },
      );
    }
    if (env.success === true) return env.result as T;
    const e = env.errors?.[0];
    const code = isWarrenErrorCode(e?.warren_code) ? e.warren_code : 'WARREN_API_INVALID';
    throw new WarrenError(code, e?.message ?? `the API answered HTTP ${res.status}`);
  }

  /** A non-JSON resource under /client/v4 (PEM downloads). */
  async text(path: string): Promise<string> {
    const res = await this.#fetch(`/client/v4${path}`, 'GET', undefined, {});
    if (!res.ok) {
      throw new WarrenError('WARREN_API_UNREACHABLE', `${this.baseUrl}/client/v4${path} answered HTTP ${res.status}`);
    }
    return res.text();
  }

  async #fetch(
    path: string,
    method: string,
    body: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? CONTROL_REQUEST_TIMEOUT_MS);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (cause) {
      const why = timeout.aborted ? 'did not answer in time' : ((cause as Error).cause as Error | undefined)?.message;
      throw new WarrenError(
        'WARREN_API_UNREACHABLE',
        `cannot reach the warren API at ${this.baseUrl} (${why ?? (cause as Error).message}); check that \`warren serve\` runs there`,
        { cause },
      );
    }
  }
}
