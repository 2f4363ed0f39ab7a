import { homeFormProblem } from '../config/expand-home.js';

/** Longest path a configuration may name (Linux's PATH_MAX). */
const MAX_PATH_CHARS = 4096;

/**
 * What is wrong with the shape of a path in a configuration (empty, a NUL, too long, `~user`),
 * or undefined. Shape only: the path names a file on the connector's host, and nothing here
 * looks at any filesystem.
 */
export function filePathProblem(path: string): string | undefined {
  if (path.trim() === '') return 'is empty';
  if (path.includes('\u0000')) return 'holds a NUL character';
  if (path.length > MAX_PATH_CHARS) return `is longer than ${MAX_PATH_CHARS} characters`;
  return homeFormProblem(path);
}
