import { homedir } from 'node:os';
import { join } from 'node:path';
import { WarrenError } from '../../errors/index.js';

/**
 * What is wrong with a `~user/…` path, or undefined when `path` has no such form. Pure: the
 * control plane uses it to refuse the form in a remote configuration without expanding anything.
 */
export function homeFormProblem(path: string): string | undefined {
  if (!path.startsWith('~') || path === '~' || path.startsWith('~/')) return undefined;
  return `"${path}" names another user's home (~user), which is not expanded`;
}

/**
 * cloudflared's `homedir.Expand`: a leading `~` or `~/` becomes the home directory of the user
 * running this process (`home`, default `os.homedir()`); any other path is returned as is.
 * `~user/…` throws a WarrenError naming `what` (the option, e.g. `--credentials-file`).
 *
 * @example expandHome('~/.warren/cert.pem', '--origincert') // '/home/me/.warren/cert.pem'
 */
export function expandHome(path: string, what: string, home?: string): string {
  const problem = homeFormProblem(path);
  if (problem !== undefined) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${what} ${problem}; write the full path, or ~/… for the home of the user running warren`,
    );
  }
  if (path === '~') return home ?? homedir();
  if (path.startsWith('~/')) return join(home ?? homedir(), path.slice(2));
  return path;
}
