import type { ErrorSpec } from './error-spec.js';
import type { WarrenErrorCode } from './error-table.js';

/**
 * The error table's lookup, installed by error-table.ts when it loads. This module does not import
 * the table itself, so a subclass (`warren/verify`'s AccessVerifyError) can extend WarrenError
 * without shipping every code's prose; everything else imports errors/index.ts, which loads it.
 */
let specOf: ((code: WarrenErrorCode) => ErrorSpec) | undefined;

/** Called once by error-table.ts. */
export function installErrorTable(lookup: (code: WarrenErrorCode) => ErrorSpec): void {
  specOf = lookup;
}

export interface WarrenErrorOptions {
  cause?: unknown;
  /** Whether trying again (after a backoff) can help; defaults to the code's flag in the error table. */
  retryable?: boolean;
}

/**
 * The one error class of warren: every error that crosses a boundary (CLI, API, wire, visitor)
 * is one, with a stable code from the error table. Subclasses only fix the code or add context
 * (undici's shape); match on `err.code`, never on the message.
 */
export class WarrenError<C extends WarrenErrorCode = WarrenErrorCode> extends Error {
  readonly code: C;
  readonly retryable: boolean;

  constructor(code: C, message: string, options: WarrenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WarrenError';
    this.code = code;
    this.retryable = options.retryable ?? specOf?.(code).retryable ?? false;
  }

  /** The HTTP status the code answers with (500 for codes that never answer HTTP themselves). */
  get status(): number {
    return specOf?.(this.code).status ?? 500;
  }

  /** Cloudflare's numeric code for the API envelope (10002, their "internal error", when the code has none). */
  get cfCode(): number {
    return specOf?.(this.code).cf ?? 10002;
  }
}
