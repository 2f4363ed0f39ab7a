import { WarrenError, type WarrenErrorCode } from '../../errors/index.js';

/**
 * An API failure: a WarrenError answered as `{success:false, errors:[{code, message, warren_code}]}`.
 * Its HTTP status and Cloudflare code come from the one error table (src/errors); `warren_code` is
 * the stable string code to match on (docs/errors.md). It adds only what an HTTP answer needs:
 * a status override for fastify's own 4xx, and `Retry-After`.
 */
export class ApiError extends WarrenError {
  readonly #status: number | undefined;
  /** Sent as `Retry-After` (seconds) when set: when trying again can succeed. */
  retryAfterSeconds: number | undefined;
  /**
   * JSON pointer to the body field at fault ("/name", "/config/ingress/0/service"), sent as the
   * error's `source.pointer` so a form can show the message next to that field.
   */
  pointer: string | undefined;
  /** More errors answered with this one, each its own entry of `errors` (every invalid field at once). */
  also: readonly ApiError[] = [];

  constructor(code: WarrenErrorCode, message: string, status?: number) {
    super(code, message);
    this.name = 'ApiError';
    this.#status = status;
    this.retryAfterSeconds = undefined;
    this.pointer = undefined;
  }

  override get status(): number {
    return this.#status ?? super.status;
  }

  static notFound(what: string): ApiError {
    return new ApiError(
      'WARREN_API_NOT_FOUND',
      `${what} was not found in an account you can see; list them first to get a valid id`,
    );
  }

  static invalid(message: string): ApiError {
    return new ApiError('WARREN_API_INVALID', message);
  }

  /** Several errors in one answer: the first, with the others in `also` (none may be empty). */
  static several(errors: readonly ApiError[]): ApiError {
    const [first, ...rest] = errors;
    if (first === undefined) throw new TypeError('ApiError.several needs at least one error');
    first.also = rest;
    return first;
  }

  /** This error, tied to one body field (see `pointer`). */
  at(pointer: string): this {
    this.pointer = pointer;
    return this;
  }
}
