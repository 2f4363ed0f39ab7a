import { readFileSync } from 'node:fs';

/**
 * What one corpus line must do: serve a hostname through the edge; keep running (a stream such as
 * `tail`) once it printed a line matching `line`; or exit with `code` and a line matching `line`.
 */
export type CorpusOutcome =
  | { kind: 'serves'; host: string; path: string }
  | { kind: 'runs'; line: RegExp }
  | { kind: 'exit'; code: number; line: RegExp };

export interface CorpusLine {
  /** The line as written in the data file (placeholders unexpanded). */
  text: string;
  lineNumber: number;
  env: Record<string, string>;
  args: string[];
  outcome: CorpusOutcome;
}

const ENV_WORD = /^([A-Z][A-Z0-9_]*)=(.*)$/;
const EXIT = /^exit (\d+) \/(.*)\/$/;
const SERVES = /^serves (\S+)(?: at (\/\S*))?$/;
const RUNS = /^runs \/(.*)\/$/;

/**
 * Parses the corpus. `expand` replaces the {PLACEHOLDER}s; it runs on every word and on the
 * outcome (a regex's expansion is escaped, so a hostname's dots stay literal).
 */
export function readCorpus(path: string, expand: (s: string, forRegex: boolean) => string): CorpusLine[] {
  const lines: CorpusLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '' || text.startsWith('#')) return;
      const [command, expected, ...extra] = text.split('  =>  ');
      if (command === undefined || expected === undefined || extra.length > 0)
        throw new Error(`line ${i + 1}: expected "COMMAND  =>  OUTCOME": ${text}`);
      const words = command.split(/\s+/);
      const env: Record<string, string> = {};
      while (words.length > 0 && ENV_WORD.test(words[0] as string)) {
        const m = ENV_WORD.exec(words.shift() as string) as RegExpExecArray;
        env[m[1] as string] = expand(m[2] as string, false);
      }
      if (words.shift() !== 'warren') throw new Error(`line ${i + 1}: the command must be warren: ${text}`);
      const exit = EXIT.exec(expected);
      const serves = SERVES.exec(expected);
      const runs = RUNS.exec(expected);
      let outcome: CorpusOutcome;
      if (exit !== null) {
        outcome = { kind: 'exit', code: Number(exit[1]), line: new RegExp(expand(exit[2] as string, true), 'm') };
      } else if (runs !== null) {
        outcome = { kind: 'runs', line: new RegExp(expand(runs[1] as string, true), 'm') };
      } else if (serves !== null) {
        outcome = { kind: 'serves', host: expand(serves[1] as string, false), path: serves[2] ?? '/echo' };
      } else throw new Error(`line ${i + 1}: unknown outcome ${expected}`);
      lines.push({ text, lineNumber: i + 1, env, args: words.map((w) => expand(w, false)), outcome });
    });
  return lines;
}

/** A replacer for {NAME} placeholders; an unknown one is an error in the data file. */
export function placeholders(values: Record<string, string>): (s: string, forRegex: boolean) => string {
  return (s, forRegex) =>
    s.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`unknown placeholder ${whole}`);
      return forRegex ? v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : v;
    });
}
