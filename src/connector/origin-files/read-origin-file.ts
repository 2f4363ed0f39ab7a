import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { expandHome } from '../config/expand-home.js';
import { IngressError } from '../ingress/index.js';

/** Largest PEM file the connector reads: a bundle of every public root CA is about 220 KiB. */
export const MAX_ORIGIN_FILE_BYTES = 1024 * 1024; // 1 MiB

/**
 * Opening never waits: a FIFO opens at once (and is then refused), instead of holding a thread
 * of libuv's pool until a writer appears. No controlling terminal is acquired from a tty path.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export interface OriginFileRef {
  /** As written in the configuration (shown in messages). */
  path: string;
  /** `originRequest.<field>`. */
  field: string;
  /** The rule's number, undefined for the global originRequest. */
  ruleNumber: number | undefined;
}

/**
 * Reads a file a rule names (caPool, tlsClientCert, tlsClientKey) on the connector's host: off
 * the event loop, `~` as this user's home, regular files only (a FIFO, /dev/zero, a directory
 * are refused before a byte is read), at most MAX_ORIGIN_FILE_BYTES. Throws an IngressError
 * saying what is wrong with the file.
 */
export async function readOriginFile(ref: OriginFileRef, home?: string): Promise<string> {
  const fail = (problem: string, fix: string): never => {
    throw new IngressError(ref.ruleNumber, `originRequest.${ref.field} "${ref.path}" ${problem}`, fix);
  };
  const readable = "write the path of a PEM file the connector's user may read";
  let file: string;
  try {
    file = expandHome(ref.path, `originRequest.${ref.field}`, home);
  } catch {
    return fail("names another user's home (~user), which is not expanded", readable);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(`cannot be read (${code ?? 'error'}${code === 'ENOENT' ? ': no such file' : ''})`, readable);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return fail(`is ${kindOf(stats)}; only regular files are read`, readable);
    if (stats.size > MAX_ORIGIN_FILE_BYTES) {
      return fail(`is larger than ${MAX_ORIGIN_FILE_BYTES / 1024} KiB`, 'point it at the PEM file itself');
    }
    // Read at most one byte past the cap: a file that grew since stat() is refused too.
    const buf = Buffer.alloc(Math.min(stats.size, MAX_ORIGIN_FILE_BYTES) + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_ORIGIN_FILE_BYTES) {
      return fail(`is larger than ${MAX_ORIGIN_FILE_BYTES / 1024} KiB`, 'point it at the PEM file itself');
    }
    return buf.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof IngressError) throw err;
    return fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, readable);
  } finally {
    await handle.close();
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'a special file';
}
