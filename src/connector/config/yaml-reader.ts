import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import { WarrenError } from '../../errors/index.js';
import type { ConfigProblem } from './config-errors.js';
import { type ConfigValueType, suggestKey } from './config-keys.js';
import type { FlagValue } from './connector-config.js';
import { parseDurationMs } from './duration.js';
import { expandHome, homeFormProblem } from './expand-home.js';

/** Reads one key's value into the section being built; `name` is the key as messages show it. */
export type Field<T> = (out: T, value: Node | null, name: string, r: YamlReader) => void;

/** One map of the config file, as a table: cloudflared's keys, what each becomes, and what is ignored. */
export interface Section<T> {
  create(): T;
  /** `key:` with nothing after it: the section's defaults, or (true) an error. */
  emptyIsError?: boolean;
  /** Said when the value is not a map: the problem ("must be a map") and how to write it instead. */
  notAMap: { problem: string; fix: string };
  fields: Readonly<Record<string, Field<T>>>;
  /** cloudflared keys with no effect in warren, each with its warning (undefined: "… has no effect in warren"). */
  ignored?: Readonly<Record<string, string | undefined>>;
  /** Keys the table does not name (the top level's flag keys): returns false when it is not one either. */
  other?: (out: T, key: string, value: Node | null, keyNode: Node, r: YamlReader) => boolean;
  /** Keys `other` knows, for the "did you mean" hint. */
  otherKeys?: readonly string[];
}

/** Where a section sits, for messages: `at` prefixes its own problems, `keys` prefixes its keys' names. */
export interface SectionPlace {
  at: string;
  keys: string;
}

/** A field that stores what `read` returns under `key`. */
export function into<T, K extends keyof T>(
  key: K,
  read: (r: YamlReader, value: Node | null, name: string) => T[K],
): Field<T> {
  return (out, value, name, r) => {
    out[key] = read(r, value, name);
  };
}

const TYPE_HINT: Record<ConfigValueType, string> = {
  string: 'a string',
  bool: 'true or false',
  int: 'a whole number',
  duration: 'a duration such as "30s", "1m30s" or "500ms"',
  strings: 'a string or a list of strings',
  path: 'a file path, e.g. ~/.warren/cert.pem',
};

export interface YamlReaderOptions {
  /** An unknown key is an error, not a warning (the API's configurations: the caller sees the answer at once). */
  strictKeys?: boolean;
  /** A bare number as a duration means seconds (Cloudflare's API sends `connectTimeout: 30`). */
  bareDurationSeconds?: boolean;
}

/**
 * Walks the YAML tree (not plain JS) so every message can name the file and the line. A key that
 * cannot be read does not stop the walk: its problem joins `problems` (with where it is) and the
 * others are read on, so the caller can refuse them all at once.
 */
export class YamlReader {
  readonly #source: string;
  readonly #lines = new LineCounter();
  readonly #strictKeys: boolean;
  readonly #bareDurationSeconds: boolean;
  readonly warnings: string[] = [];
  readonly problems: ConfigProblem[] = [];
  /** Where the walk is: keys and list indexes from the top. */
  readonly #at: (string | number)[] = [];

  constructor(source: string, options: YamlReaderOptions = {}) {
    this.#source = source;
    this.#strictKeys = options.strictKeys === true;
    this.#bareDurationSeconds = options.bareDurationSeconds === true;
  }

  /** Parses the text; a syntax error throws, naming the line. */
  parse(text: string): Document.Parsed {
    const doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = this.#lines.linePos(first.pos[0]).line;
      const aliasHint =
        first.code === 'BAD_ALIAS' || /alias/i.test(first.message)
          ? '; a value starting with "*" must be quoted, e.g. hostname: "*.example.com"'
          : '';
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `${this.#source}:${line}: not valid YAML (${first.message.split('\n')[0]})${aliasHint || '; fix the syntax at that line'}`,
      );
    }
    return doc;
  }

  /** Reads a map through its table: known keys by their field, ignored ones and unknown ones with a warning. */
  section<T>(spec: Section<T>, node: Node | null, place: SectionPlace): T {
    const out = spec.create();
    const empty = node === null || (isScalar(node) && node.value === null);
    if (empty && spec.emptyIsError !== true) return out;
    if (empty || !isMap(node)) {
      return this.fail(node, place.at, empty ? 'is empty' : spec.notAMap.problem, spec.notAMap.fix);
    }
    for (const [key, value, keyNode] of this.#entries(node, place.at)) {
      this.attempt(key, () => this.#entry(spec, out, place, [key, value, keyNode]));
    }
    return out;
  }

  /**
   * Runs `read` one step further down (`key`, or list item `index`). A problem it throws is kept
   * in `problems`, named by the deepest place reached, and undefined returned: the walk goes on.
   */
  attempt<T>(step: string | number, read: () => T): T | undefined {
    this.#at.push(step);
    try {
      return read();
    } catch (err) {
      if (!(err instanceof WarrenError)) throw err;
      const at = this.#at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
      // The innermost attempt keeps it; the outer ones see it no more.
      this.problems.push({ at, message: err.message, code: err.code });
      return undefined;
    } finally {
      this.#at.pop();
    }
  }

  /** One key of a section: its field, an ignored key's warning, or an unknown key. */
  #entry<T>(spec: Section<T>, out: T, place: SectionPlace, [key, value, keyNode]: [string, Node | null, Node]): void {
    const name = `${place.keys}${key}`;
    const field = spec.fields[key];
    if (field !== undefined) {
      field(out, value, name, this);
    } else if (spec.ignored !== undefined && key in spec.ignored) {
      this.warn(keyNode, spec.ignored[key] ?? `${name} has no effect in warren; it is ignored`);
    } else if (spec.other?.(out, key, value, keyNode, this) !== true) {
      const hint = suggestKey(key, [...Object.keys(spec.fields), ...(spec.otherKeys ?? [])]);
      // Nested sections name the key by its path (originRequest.foo); the top level and rules quote it.
      if (this.#strictKeys) {
        const fix = hint === undefined ? 'remove it' : `did you mean "${hint}"?`;
        this.fail(keyNode, '', `${name}: unknown key`, fix);
      }
      const what = place.keys.endsWith('.') ? `unknown key ${name}` : `${place.keys}unknown key "${key}"`;
      this.warn(keyNode, `${what} is ignored${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`);
    }
  }

  /** The items of a list; `key:` with nothing after it is an empty list. */
  list(node: Node | null, name: string, fix: string): (Node | null)[] {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) return this.fail(node, `${name}: `, 'must be a list of rules', fix);
    return node.items as (Node | null)[];
  }

  string(node: Node | null, name: string): string {
    const v = this.#scalar(node, name, 'string');
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(
      node,
      `${name}: `,
      `must be ${TYPE_HINT.string}`,
      'write a single value, quoted if it has special characters',
    );
  }

  /**
   * A file path on this machine (the config file is read where it is used): a leading `~` is the
   * home directory, as cloudflared's `homedir.Expand`; `~user/…` is refused.
   */
  path(node: Node | null, name: string): string {
    const v = this.string(node, name);
    const problem = homeFormProblem(v);
    if (problem !== undefined) {
      return this.fail(
        node,
        `${name}: `,
        problem,
        'write the full path, or ~/… for the home of the user running warren',
      );
    }
    return expandHome(v, name);
  }

  bool(node: Node | null, name: string): boolean {
    const v = this.#scalar(node, name, 'bool');
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(yes|on|true)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(no|off|false)$/i.test(v)) return false;
    return this.fail(node, `${name}: `, `is ${describe(node, v)}, not true or false`, 'write true or false');
  }

  int(node: Node | null, name: string): number {
    const v = this.#scalar(node, name, 'int');
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (v < 0) this.fail(node, `${name}: `, `is ${v}; it cannot be negative`, 'write 0 or more');
      return v;
    }
    return this.fail(node, `${name}: `, `is ${describe(node, v)}, not a whole number`, 'write e.g. 100');
  }

  /** Milliseconds. `bareNumberIsSeconds`: see `DurationOptions` (true for keys that stand for flags). */
  durationMs(node: Node | null, name: string, bareNumberIsSeconds = this.#bareDurationSeconds): number {
    const v = this.#scalar(node, name, 'duration');
    const text = typeof v === 'number' ? String(v) : v;
    if (typeof text === 'string') {
      if (text.trim().startsWith('-')) {
        this.fail(node, `${name}: `, `is ${describe(node, v)}; a duration cannot be negative`, 'write e.g. "30s"');
      }
      const ms = parseDurationMs(text, { bareNumberIsSeconds });
      if (ms !== undefined) return ms;
      if (typeof v === 'number') {
        this.fail(
          node,
          `${name}: `,
          `is ${v}, a number with no unit`,
          `write "${v}s" for seconds or "${v}ms" for milliseconds`,
        );
      }
    }
    return this.fail(
      node,
      `${name}: `,
      `is ${describe(node, v)}, not a duration`,
      'write e.g. "30s", "1m30s" or "500ms"',
    );
  }

  strings(node: Node | null, name: string): string[] {
    const v = this.#scalar(node, name, 'strings');
    if (typeof v === 'string') return [v];
    if (node !== null && isSeq(node)) {
      return (node.items as (Node | null)[]).map((item, i) => this.string(item, `${name}[${i}]`));
    }
    return this.fail(node, `${name}: `, `is ${describe(node, v)}`, 'write a string or a list such as ["a", "b"]');
  }

  /** A flag key's value; durations in milliseconds, a bare number being seconds as on the command line. */
  flag(node: Node | null, name: string, type: ConfigValueType): FlagValue {
    switch (type) {
      case 'string':
        return this.string(node, name);
      case 'path':
        return this.path(node, name);
      case 'bool':
        return this.bool(node, name);
      case 'int':
        return this.int(node, name);
      case 'duration':
        return this.durationMs(node, name, true);
      case 'strings':
        return this.strings(node, name);
    }
  }

  /** 1-based line of a node, 0 when unknown. */
  line(node: Node | null | undefined): number {
    const start = node?.range?.[0];
    return start === undefined ? 0 : this.#lines.linePos(start).line;
  }

  fail(node: Node | null | undefined, where: string, problem: string, fix: string): never {
    const line = this.line(node);
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${this.#source}${line > 0 ? `:${line}` : ''}: ${where}${problem}; ${fix}`,
    );
  }

  warn(node: Node, message: string): void {
    const line = this.line(node);
    this.warnings.push(`${this.#source}${line > 0 ? `:${line}` : ''}: ${message}`);
  }

  /** The scalar value, after refusing what is no value at all: an alias, or nothing. */
  #scalar(node: Node | null, name: string, type: ConfigValueType): unknown {
    if (node !== null && isAlias(node)) {
      // YAML reads a leading "*" as a reference to an anchor: the classic unquoted wildcard.
      this.fail(
        node,
        `${name}: `,
        `is the YAML alias *${node.source}, not a value`,
        `a value starting with "*" must be quoted, e.g. hostname: "*.example.com"`,
      );
    }
    const v: unknown = node !== null && isScalar(node) ? node.value : undefined;
    if (node === null || v === null) this.fail(node, `${name}: `, 'has no value', `write ${TYPE_HINT[type]}`);
    return v;
  }

  *#entries(map: YAMLMap, where: string): Generator<[string, Node | null, Node]> {
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.fail(keyNode ?? map, where, 'has a key that is not a name', 'write keys as plain words, e.g. "service:"');
      }
      yield [keyNode.value, pair.value as Node | null, keyNode];
    }
  }
}

function describe(node: Node | null, v: unknown): string {
  if (node !== null && isSeq(node)) return 'a list';
  if (node !== null && isMap(node)) return 'a map';
  return typeof v === 'string' ? `"${v}"` : String(v);
}
