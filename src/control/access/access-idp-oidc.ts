import { oidcConfigProblem } from '../../access/index.js';
import { ApiError } from '../api/api-error.js';

/** What an answer shows in place of a stored client_secret (Cloudflare's answers redact it too). */
export const REDACTED_SECRET = '**********';

/**
 * Checks an `oidc` provider's config before it is stored (`secrets`: the sealed fields,
 * `client_secret`): required fields, https URLs (http only for a loopback host), claim names.
 */
export function checkOidcConfig(
  config: Readonly<Record<string, unknown>>,
  secrets: Readonly<Record<string, unknown>>,
): void {
  const problem = oidcConfigProblem(config, secrets);
  if (problem !== undefined) throw ApiError.invalid(problem);
}

/**
 * A client_secret sent back as the redacted placeholder (a client that read, edited and wrote
 * the provider) keeps the stored secret instead of replacing it with asterisks.
 */
export function isRedactedSecret(v: unknown): boolean {
  return v === REDACTED_SECRET;
}

/** The provider's answer: `config.client_secret` redacted when one is stored. */
export function redactedIdpView(view: Record<string, unknown>, hasSecrets: boolean): Record<string, unknown> {
  const config = view.config;
  if (!hasSecrets || typeof config !== 'object' || config === null) return view;
  return { ...view, config: { ...(config as Record<string, unknown>), client_secret: REDACTED_SECRET } };
}
