import { ApiError } from '../../api';

/**
 * The server's message about an application's domain: the error that points at /domain, else
 * one of WARREN_API_INVALID that points nowhere — the app routes check the domain themselves
 * (a hostname inside a zone of this account) without a pointer, and the form's other fields
 * are checked by the schema, whose errors always point at their field.
 */
export function appDomainError(err: unknown): string | undefined {
  return err instanceof ApiError ? err.forField('domain', ['WARREN_API_INVALID']) : undefined;
}
