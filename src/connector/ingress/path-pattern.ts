import { RE2JS, RE2JSException } from 're2js';
import { IngressError } from './ingress-error.js';

/**
 * An ingress rule's `path`: a regular expression with RE2 semantics, as cloudflared's (Go's
 * `regexp`), matched anywhere in the URL path unless anchored. RE2 runs in time linear in the
 * path, so a pattern such as `^/(a+)+$` cannot stall the connector the way a backtracking
 * JavaScript RegExp does (2.6 s for a 29-character path, doubling per character). Go's syntax,
 * flags groups like `(?i)` included, is RE2's; lookaround and backreferences are not.
 */
export class PathPattern {
  /** As written in the rule. */
  readonly source: string;
  readonly #re: RE2JS;

  private constructor(source: string, re: RE2JS) {
    this.source = source;
    this.#re = re;
  }

  /**
   * Compiles `source`, or throws an IngressError naming rule `n` and the pattern.
   *
   * @example PathPattern.compile('^/api/', 2).test('/api/users') // true
   */
  static compile(source: string, n: number): PathPattern {
    try {
      return new PathPattern(source, RE2JS.compile(source));
    } catch (err) {
      if (!(err instanceof RE2JSException)) throw err;
      throw new IngressError(
        n,
        `path "${source}" is not a regular expression RE2 accepts (${err.message.replace(/^error parsing regexp: /, '')})`,
        'write it in RE2 syntax, as cloudflared reads it (no lookaround or backreferences), and escape special characters, e.g. "^/api/v1\\.0/"; the path is matched anywhere unless anchored with ^ and $',
      );
    }
  }

  /** Whether the pattern matches anywhere in `path` (Go's MatchString). */
  test(path: string): boolean {
    return this.#re.test(path);
  }
}
