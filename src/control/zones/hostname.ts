import { ApiError } from '../api/api-error.js';

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * Lower-cases and checks a DNS name: labels of letters, digits, `-` and `_` (for `_dmarc`,
 * `_sip._tcp`), at most 253 characters, optionally a leading `*` label.
 */
export function parseHostname(raw: string, field: string, options: { wildcard?: boolean } = {}): string {
  let name = raw.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const labels = name.split('.');
  const ok =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((l, i) => LABEL.test(l) || (options.wildcard === true && i === 0 && l === '*'));
  if (!ok) {
    throw ApiError.invalid(
      `${field} "${raw}" is not a valid DNS name: use labels of letters, digits and hyphens separated by dots${options.wildcard === true ? ' (a leading "*." is allowed)' : ''}`,
    );
  }
  return name;
}

/** `name` is `zone` or below it (one definition, in the store, for every zone rule). */
export { isWithin } from '../../store/index.js';
