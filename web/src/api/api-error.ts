import type { components } from './schema';

type EnvelopeError = components['schemas']['Envelope']['errors'][number];

/**
 * One entry of the envelope's `errors[]` (components.schemas.Envelope in openapi.json), as the
 * client hands it on: `code` and `message` always there (the document marks them optional).
 */
export type ApiErrorItem = Required<Pick<EnvelopeError, 'code' | 'message'>> &
  Pick<EnvelopeError, 'warren_code'> & {
    /** JSON pointer to the body field at fault ("/name"); the server sends it, the document does not list it yet. */
    source?: { pointer?: string };
  };

/**
 * The `warren_code`s the dashboard acts on (docs/errors.md lists them all). Forms decide where a
 * message goes by these codes and by `source.pointer`, never by the wording of the message.
 */
export type WarrenCode =
  | 'WARREN_ACCESS_NO_ORGANIZATION'
  | 'WARREN_API_INVALID'
  | 'WARREN_API_CONFLICT'
  | 'WARREN_API_NOT_FOUND'
  | 'WARREN_CERT_HOSTNAME'
  | 'WARREN_DNS_RECORD_EXISTS'
  | 'WARREN_ROUTE_APEX'
  | 'WARREN_ROUTE_FOREIGN_ZONE';

const pointsAt = (e: ApiErrorItem, field: string): boolean => {
  const p = e.source?.pointer;
  return p === `/${field}` || p?.startsWith(`/${field}/`) === true;
};

/**
 * A failed API call, carrying the envelope's `errors[]`, so a form can put each message next to
 * its field (`forField('name')`) and show the rest above the form (`general()`).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: readonly ApiErrorItem[];

  constructor(status: number, errors: readonly ApiErrorItem[]) {
    super(errors.map((e) => e.message).join('; ') || `the server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }

  /** Whether the server answered with `code` (the envelope's `warren_code`). */
  has(code: WarrenCode): boolean {
    return this.errors.some((e) => e.warren_code === code);
  }

  /**
   * The message for one body field: the error whose `source.pointer` is `/field` or below it;
   * else, when `unpointed` lists codes, the first error with one of them that points nowhere
   * (for endpoints whose checks of that field name no pointer).
   */
  forField(field: string, unpointed: readonly WarrenCode[] = []): string | undefined {
    const hit =
      this.errors.find((e) => pointsAt(e, field)) ??
      this.errors.find((e) => e.source?.pointer === undefined && unpointed.some((code) => e.warren_code === code));
    return hit?.message;
  }

  /** Messages tied to none of `fields` (shown above the form). */
  general(fields: readonly string[] = []): string[] {
    return this.errors.filter((e) => !fields.some((f) => pointsAt(e, f))).map((e) => e.message);
  }
}

/** A message for anything a request can throw (the API's words, or what went wrong on the way). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof DOMException && err.name === 'AbortError') return 'the request was cancelled';
  if (err instanceof Error) return `could not reach warren: ${err.message}`;
  return 'something went wrong';
}
