import { createHash } from 'node:crypto';

/** The page a visitor confirms a `warren access login` on, on the app's own host. */
export const ACCESS_CLI_PATH = '/cdn-cgi/access/cli';
/** Where the CLI polls for its token with the transfer id (the id is the only credential). */
export const ACCESS_CLI_TOKEN_PATH = '/cdn-cgi/access/cli/token';
/** The CLI's transfer id: 43 URL-safe characters (32 random bytes), at most 128. */
export const ACCESS_CLI_TRANSFER = /^[A-Za-z0-9_-]{32,128}$/;

// No 0/O, 1/I: the code is read off a terminal and compared with a web page by a person.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * The short code both the CLI and the confirmation page show for a transfer id (`ABCD-1234`),
 * derived from the id so no one can pick the code a page shows: a link someone else made shows
 * a code that the visitor's terminal does not.
 */
export function accessCliCode(transfer: string): string {
  const h = createHash('sha256').update(`warren access cli\n${transfer}`).digest();
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[(h[i] as number) % ALPHABET.length];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}
