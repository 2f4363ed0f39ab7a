import { errorSpec, isWarrenErrorCode, WarrenError, type WarrenErrorCode } from '../../errors/index.js';
import { SYSTEM_TIMERS, type Timers } from '../../time/index.js';

export const CONTROL_REQUEST_TIMEOUT_MS = 30_000; // 30 seconds for one API call (long polls pass their own)
export const CONTROL_RETRY_BUDGET_MS = 30_000; // 30 seconds at most of waiting to retry one call
export const CONTROL_RETRY_MIN_MS = 250; // first wait before a retry, doubled each time…
export const CONTROL_RETRY_MAX_MS = 4_000; // …up to 4 seconds (a longer Retry-After wins)
export const CONTROL_RETRY_MAX_ATTEMPTS = 12; // tries of one call, the first included

/** One retry the client is about to make (for a progress line). */
export interface ControlRetry {
  code: WarrenErrorCode;
  message: string;
  /** The try that failed (1 = the first). */
  attempt: number;
  waitMs: number;
}

export interface ControlClientOptions {
  /** Time and timers of the waits between retries; default the system's. */
  timers?: Timers;
  /** Most time spent waiting to retry one call; 0 turns retries off. Default `CONTROL_RETRY_BUDGET_MS`. */
  retryBudgetMs?: number;
  /** Hears each retry; default one line on stderr, so a command that waits says why. */
  onRetry?: (retry: ControlRetry) => void;
}

const stderrRetry = (r: ControlRetry): void => {
  process.stderr.write(
    `warren: ${r.message} [${r.code}]; trying again in ${(r.waitMs / 1000).toFixed(1)} s (try ${r.attempt + 1})\n`,
  );
};

interface EnvelopeShape {
  success?: boolean;
  errors?: { code?: number; message?: string; warren_code?: string }[];
  result?: unknown;
}

/**
 * A small client of warren's control API for the command line: Bearer auth, the v4 envelope
 * unwrapped, failures turned into WarrenErrors with the server's code and message (which
 * already say what to do). The token never appears in an error.
 *
 * A 503 with a retryable code (the database restarting, full or busy: nothing was written) is
 * tried again with backoff, honouring `Retry-After`, for at most `CONTROL_RETRY_BUDGET_MS`.
 */
export class ControlClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timers: Timers;
  readonly #retryBudgetMs: number;
  readonly #onRetry: (retry: ControlRetry) => void;

  /** `baseUrl` without /client/v4, e.g. http://127.0.0.1:8081. */
  constructor(baseUrl: string, token: string | undefined, options: ControlClientOptions = {}) {
    if (!URL.canParse(baseUrl)) throw new TypeError(`"${baseUrl}" is not a URL: write e.g. http://127.0.0.1:8081`);
    this.baseUrl = baseUrl.replace(/\/+$/, '').replace(/\/client\/v4$/, '');
    this.#token = token;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#retryBudgetMs = options.retryBudgetMs ?? CONTROL_RETRY_BUDGET_MS;
    this.#onRetry = options.onRetry ?? stderrRetry;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    let waited = 0;
    // Bounded by CONTROL_RETRY_MAX_ATTEMPTS and by the retry budget.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#callOnce<T>(method, path, body, options);
      } catch (err) {
        if (!(err instanceof RetryableAnswer)) throw err;
        const backoff = Math.min(CONTROL_RETRY_MAX_MS, CONTROL_RETRY_MIN_MS * 2 ** (attempt - 1));
        const waitMs = Math.max(backoff, err.retryAfterMs ?? 0);
        if (attempt >= CONTROL_RETRY_MAX_ATTEMPTS || waited + waitMs > this.#retryBudgetMs) {
          const tries = attempt === 1 ? '' : ` (tried ${attempt} times over ${(waited / 1000).toFixed(1)} s)`;
          throw new WarrenError(err.error.code, `${err.error.message}${tries}`);
        }
        this.#onRetry({ code: err.error.code, message: err.error.message, attempt, waitMs });
        await this.#wait(waitMs, options.signal);
        waited += waitMs;
      }
    }
  }

  /** Resolves after `ms`, or rejects when `signal` aborts first. */
  #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        cancel();
        reject(signal?.reason);
      };
      // ref: a command waiting to retry is what keeps the process alive.
      const cancel = this.#timers.after(
        ms,
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        { ref: true },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #callOnce<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal },
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
    const error = new WarrenError(code, e?.message ?? `the API answered HTTP ${res.status}`);
    if (res.status === 503 && errorSpec(code).retryable)
      throw new RetryableAnswer(error, res.headers.get('retry-after'));
    throw error;
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

/** A 503 the server says is worth trying again (internal to `ControlClient.call`). */
class RetryableAnswer extends Error {
  readonly error: WarrenError;
  /** `Retry-After` in milliseconds (its seconds form; an HTTP date is ignored). */
  readonly retryAfterMs: number | undefined;

  constructor(error: WarrenError, retryAfter: string | null) {
    super(error.message);
    this.error = error;
    const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
    this.retryAfterMs = seconds === undefined ? undefined : seconds * 1000;
  }
}
