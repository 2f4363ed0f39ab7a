import { WarrenError, type WarrenErrorCode } from '../../errors/index.js';
import { type IngressError, IngressErrors } from '../ingress/index.js';

/** One thing wrong in a configuration: where (`ingress[2].service`), and the whole message. */
export interface ConfigProblem {
  /** A path into the configuration: keys joined by dots, list items as `[i]` (0-based). */
  at: string;
  /** What, why and what to do, naming the source (`config: ingress rule #3: service …`). */
  message: string;
  code: WarrenErrorCode;
}

/**
 * Every problem of a configuration at once (config.yml or the API's `config`): the reader and the
 * rule checks go on past the first, so a user fixes them all in one go. With one problem it reads
 * exactly as that problem's own error; `problems` lists them for the API's `errors` array.
 */
export class ConfigErrors extends WarrenError {
  readonly problems: readonly ConfigProblem[];

  private constructor(problems: readonly ConfigProblem[], message: string, code: WarrenErrorCode) {
    super(code, message);
    // It reads as the WarrenError it stands for (`String(err)`), one problem or several.
    this.name = 'WarrenError';
    this.problems = problems;
  }

  static of(problems: readonly ConfigProblem[], source: string): ConfigErrors {
    const first = problems[0];
    if (first === undefined) throw new TypeError('ConfigErrors needs at least one problem');
    const message =
      problems.length === 1
        ? first.message
        : `${problems.length} problems in ${source}:\n${problems.map((p) => `  ${p.message}`).join('\n')}`;
    return new ConfigErrors(problems, message, first.code);
  }
}

/** Whether two places are one, or one lies inside the other (`ingress[1]` and `ingress[1].service`). */
function related(a: string, b: string): boolean {
  const inside = (x: string, y: string) => x.startsWith(`${y}.`) || x.startsWith(`${y}[`);
  return a === b || inside(a, b) || inside(b, a);
}

/**
 * The rule checks' problems after the reader's: a rule check about a place the reader already
 * refused (a `service` that was a map, then "has no service") is the same problem, said once.
 */
export function withIngressProblems(
  shape: readonly ConfigProblem[],
  err: IngressError,
  message: (e: IngressError) => string,
): ConfigProblem[] {
  const all = err instanceof IngressErrors ? err.all : [err];
  const out = [...shape];
  for (const e of all) {
    if (!shape.some((p) => related(p.at, e.at))) out.push({ at: e.at, message: message(e), code: e.code });
  }
  // In the order of the file: global keys, then rule by rule (stable within each).
  const rule = (p: ConfigProblem) => Number(/^ingress\[(\d+)\]/.exec(p.at)?.[1] ?? -1);
  return out.sort((a, b) => rule(a) - rule(b));
}
