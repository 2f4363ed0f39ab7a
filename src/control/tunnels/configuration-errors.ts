import type { ConfigErrors } from '../../connector/config/config-errors.js';
import { ApiError } from '../api/api-error.js';

/** `ingress[2].originRequest.connectTimeout` → `/config/ingress/2/originRequest/connectTimeout`. */
export function configPointer(at: string): string {
  const steps = at.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
  return `/config/${steps.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/**
 * A configuration's problems as the API answers them: one entry of Cloudflare's `errors` per
 * problem, each with its code and `source.pointer` at the field, so a form marks them all.
 */
export function configurationErrors(err: ConfigErrors): ApiError {
  return ApiError.several(err.problems.map((p) => ApiError.invalid(p.message).at(configPointer(p.at))));
}
