/** What a check returns once it is satisfied. */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

/**
 * The one poll helper of the tests: calls `check` until it returns a truthy value, then
 * returns it. A throw counts as "not yet" and its
 * message is kept for the failure. Bounded by `timeoutMs`; tests never sleep to wait.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 25,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as Truthy<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
