import { Option } from 'commander';
import { WarrenError } from '../errors/index.js';

/** A token is a few hundred bytes; anything longer on stdin is not one. */
const MAX_STDIN_SECRET_BYTES = 64 * 1024; // 64 KiB

export interface SecretFlag {
  /** `--api-token` as written, for messages. */
  flag: string;
  /** The environment variable that carries it without showing it in `ps`. */
  env: string;
  /** The option's value, as commander parsed it. */
  value: string | undefined;
  /** commander's value source ('cli', 'env', …). */
  source: string | undefined;
  /** Where `-` reads the secret from (process.stdin). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the one-line warning about a secret on the command line goes. */
  warn: (line: string) => void;
}

/**
 * A secret given as a flag: `-` reads it from stdin (first line), the environment variable
 * works as is, and a value on the command line works but draws one warning line, since `ps`
 * shows it to every local user (as `--token` does for `tunnel run`). Undefined when not given.
 *
 * @example
 * const token = await secretFlagValue({ flag: '--api-token', env: 'WARREN_API_TOKEN', value, source, stdin: process.stdin, warn });
 */
export async function secretFlagValue(s: SecretFlag): Promise<string | undefined> {
  if (s.value === undefined) return undefined;
  if (s.value === '-') return readSecretLine(s);
  if (s.source === 'cli') {
    s.warn(
      `warning: ${s.flag} is visible to every local user in the process list (ps); pass it in the ${s.env} environment variable, or as "${s.flag} -" on stdin, instead`,
    );
  }
  return s.value;
}

/**
 * `--api-token` (or `WARREN_API_TOKEN`) of a command, read by {@link secretFlagValue} from the
 * process's stdin, warning on stderr.
 *
 * @example
 * const apiToken = await apiTokenFlag(flags.apiToken, cmd.getOptionValueSource('apiToken'));
 */
export function apiTokenFlag(value: string | undefined, source: string | undefined): Promise<string | undefined> {
  return secretFlagValue({
    flag: '--api-token',
    env: 'WARREN_API_TOKEN',
    value,
    source,
    stdin: process.stdin,
    warn: (line) => process.stderr.write(`${line}\n`),
  });
}

/**
 * The `--api-token` option of a command (also `WARREN_API_TOKEN`): `what` says what the token is for
 * there; the help adds how to keep it out of `ps`. Read its value with {@link apiTokenFlag}.
 */
export function apiTokenOption(what: string): Option {
  return new Option(
    '--api-token <token>',
    `${what}; "-" reads it from stdin (a value here shows in \`ps\`: prefer - or WARREN_API_TOKEN)`,
  ).env('WARREN_API_TOKEN');
}

/** The first line of stdin, trimmed; a prompt on stderr when stdin is a terminal. */
async function readSecretLine(s: SecretFlag): Promise<string> {
  if (s.stdin.isTTY === true) process.stderr.write(`${s.flag}: paste it, then press Enter: `);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of s.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    size += b.length;
    if (b.includes(0x0a) || size > MAX_STDIN_SECRET_BYTES) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = (text.split('\n', 1)[0] ?? '').trim();
  if (size > MAX_STDIN_SECRET_BYTES && !text.includes('\n')) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${s.flag} -: stdin holds more than ${MAX_STDIN_SECRET_BYTES / 1024} KiB on its first line, so it is not a token; pipe only the token, e.g. \`${s.flag} - < token.txt\``,
    );
  }
  if (line === '') {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${s.flag} -: stdin was empty; pipe the token in, e.g. \`${s.flag} - < token.txt\`, or set ${s.env}`,
    );
  }
  return line;
}
