import { getPublicSuffix } from 'tldts';
import { ApiError } from '../api/api-error.js';

/**
 * Refuses a zone that is a public suffix (`com`, `co.uk`, `github.io`, `blogspot.com`), by the
 * Public Suffix List that `tldts` ships (ICANN and private sections): such a zone would hold every
 * other account off every name below it. An unlisted single label counts as a top-level domain.
 */
export function refusePublicSuffix(name: string): void {
  const suffix = getPublicSuffix(name, { allowPrivateDomains: true });
  if (suffix !== name) return;
  throw new ApiError(
    'WARREN_ZONE_PUBLIC_SUFFIX',
    `the zone ${name} is a public suffix (Public Suffix List): names below it belong to many owners, so no account may hold it; add your own domain instead (e.g. example.${name})`,
  );
}
