import { closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** The data directory holds password hashes, e-mails, keys: only its owner may enter it. */
export const DATA_DIR_MODE = 0o700;
/** Every file warren writes there that is not meant for others. */
export const PRIVATE_FILE_MODE = 0o600;

// Files others may read on purpose: the edge CA's certificate is public (connectors pin it).
const PUBLIC_FILES: ReadonlySet<string> = new Set(['edge-ca.pem']);

// POSIX modes mean nothing on Windows (its ACLs are inherited from the parent folder).
const POSIX = process.platform !== 'win32';

/** Creates the data directory (and missing parents) with mode 0700; an existing one is left as it is. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
}

/**
 * Creates `path` empty with mode 0600 when it does not exist, so whatever opens it next (SQLite)
 * never has a moment with a looser file; SQLite gives `-wal` and `-shm` the database file's mode.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

/** What in `dir` others can read or enter, with the mode it has; empty when all is private. */
export function loosePermissions(dir: string): { path: string; mode: string }[] {
  if (!POSIX) return [];
  const loose: { path: string; mode: string }[] = [];
  const octal = (m: number): string => (m & 0o777).toString(8).padStart(4, '0');
  const dirMode = statSync(dir).mode;
  if ((dirMode & 0o077) !== 0) loose.push({ path: dir, mode: octal(dirMode) });
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || PUBLIC_FILES.has(entry.name)) continue;
    const path = join(dir, entry.name);
    const mode = statSync(path).mode;
    if ((mode & 0o077) !== 0) loose.push({ path, mode: octal(mode) });
  }
  return loose;
}

/**
 * One structured warning when the data directory or a file in it is readable by other users
 * (e.g. made before warren created them 0700/0600, or copied with a loose umask), with the
 * `chmod` command that fixes it. Nothing is changed: the operator may have reasons (a backup
 * group), and silently tightening would hide that it was open.
 */
export function warnLoosePermissions(dir: string, logger: Logger): void {
  const loose = loosePermissions(dir);
  if (loose.length === 0) return;
  const dirs = loose.filter((l) => l.path === dir).map((l) => l.path);
  const files = loose.filter((l) => l.path !== dir).map((l) => l.path);
  const fix = [
    ...(dirs.length === 0 ? [] : [`chmod 700 ${shellQuote(dir)}`]),
    ...(files.length === 0 ? [] : [`chmod 600 ${files.map(shellQuote).join(' ')}`]),
  ].join(' && ');
  logger.warn(
    { dataDir: dir, loose: loose.map((l) => `${l.path} ${l.mode}`) },
    `data directory: other users can read what holds password hashes, e-mails and keys; fix with: ${fix}`,
  );
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
