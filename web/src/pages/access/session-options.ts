/** The usual login lengths (Cloudflare's duration strings), for the session duration selects. */
export const SESSIONS: readonly (readonly [string, string])[] = [
  ['30m', '30 minutes'],
  ['6h', '6 hours'],
  ['24h', '24 hours'],
  ['168h', '1 week'],
  ['720h', '1 month'],
];

/** The usual durations, plus `current` when it is another (so saving never changes it unasked). */
export function sessionOptions(current: string): readonly (readonly [string, string])[] {
  return SESSIONS.some(([v]) => v === current) ? SESSIONS : [...SESSIONS, [current, current]];
}
