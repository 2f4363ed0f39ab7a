import { isLoopbackHost } from './oidc-idp.js';

/**
 * Why `raw` may not be used as a logo or a deny redirect on a visitor page, or undefined when it
 * may: an absolute https URL without credentials (http only on a loopback host, for a server on
 * the same machine or a test). `javascript:`, `data:` and relative URLs are refused, so tenant
 * text can never run in a visitor's browser or send the visitor somewhere unexpected.
 */
export function pageUrlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    return `uses ${u.protocol.replace(/:$/, '')}: only https URLs are accepted (http only on localhost)`;
  }
  if (u.username !== '' || u.password !== '') return 'carries a user name or password';
  return undefined;
}

/** `raw` when it is a usable page URL (see pageUrlProblem), else undefined. */
export function pageUrl(raw: unknown): string | undefined {
  return typeof raw === 'string' && raw !== '' && pageUrlProblem(raw) === undefined ? raw : undefined;
}

/** A `#rgb` or `#rrggbb` colour, lower case, or undefined. */
export function hexColour(raw: unknown): string | undefined {
  return typeof raw === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(raw) ? raw.toLowerCase() : undefined;
}
