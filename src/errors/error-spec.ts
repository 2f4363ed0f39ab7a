/** One row of the error table: everything a caller, a client or docs/errors.md needs to know about a code. */
export interface ErrorSpec {
  /** Where the code shows up (component, command or surface). */
  readonly where: string;
  /** HTTP status when the code answers an HTTP request (API, visitor page, Access refusal). */
  readonly status?: number;
  /** Cloudflare's numeric code in the API envelope; their clients parse `errors[].code` as an integer. */
  readonly cf?: number;
  /** Whether trying the same thing again (after a backoff) can succeed; the connector retries these. */
  readonly retryable: boolean;
  /** What happened. */
  readonly meaning: string;
  /** What to do about it. */
  readonly action: string;
}
