import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/**
 * A key set read with `fetchJwks` instead of an HTTPS address: fetched on first use, cached for
 * `maxAgeMs`, refetched when a token names a `kid` it lacks, at most once per `cooldownMs`.
 * Concurrent fetches are one, and a failed fetch is not retried within `cooldownMs` either
 * (its error answers meanwhile), so a stream of tokens cannot turn into a stream of fetches.
 */
export function fetchedKeySet(
  fetchJwks: () => Promise<JSONWebKeySet>,
  cooldownMs: number,
  maxAgeMs: number,
): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<JWTVerifyGetKey> | undefined;
  let failed: { at: number; err: unknown } | undefined;
  const reload = (): Promise<JWTVerifyGetKey> => {
    if (failed !== undefined && Date.now() - failed.at < cooldownMs) return Promise.reject(failed.err);
    inflight ??= fetchJwks()
      .then((doc) => {
        local = createLocalJWKSet(doc);
        fetchedAt = Date.now();
        failed = undefined;
        return local;
      })
      .catch((err: unknown) => {
        failed = { at: Date.now(), err };
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
  return async (header, token) => {
    const keys = local === undefined || Date.now() - fetchedAt > maxAgeMs ? await reload() : local;
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - fetchedAt < cooldownMs) throw err;
      return (await reload())(header, token);
    }
  };
}
