import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/**
 * A key set read with `fetchJwks` instead of an HTTPS address: fetched on first use, cached for
 * `maxAgeMs`, refetched when a token names a `kid` it lacks, at most once per `cooldownMs`.
 * Concurrent fetches are one.
 */
export function fetchedKeySet(
  fetchJwks: () => Promise<JSONWebKeySet>,
  cooldownMs: number,
  maxAgeMs: number,
): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<JWTVerifyGetKey> | undefined;
  const reload = (): Promise<JWTVerifyGetKey> => {
    inflight ??= fetchJwks()
      .then((doc) => {
        local = createLocalJWKSet(doc);
        fetchedAt = Date.now();
        return local;
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
