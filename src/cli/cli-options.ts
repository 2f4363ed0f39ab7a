import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationMs } from '../connector/config/duration.js';
import type { LoggerOptions } from './logger.js';

/** commander parser for an integer flag within bounds. */
export const intArg =
  (flag: string, min: number, max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    }
    return n;
  };

/** commander parser for a Go-style duration flag ("30s", "500ms"; a bare number is seconds); yields milliseconds. */
export const durationArg =
  (flag: string) =>
  (v: string): number => {
    const ms = parseDurationMs(v, { bareNumberIsSeconds: true });
    if (ms === undefined)
      throw new InvalidArgumentError(`${flag} "${v}" is not a duration: write e.g. 30s, 500ms or 1m`);
    return ms;
  };

/** --loglevel, --logfile, --output on a command. */
export function withLogOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--loglevel <level>', 'fatal, error, warn, info, debug').default('info').env('WARREN_LOGLEVEL'),
    )
    .addOption(new Option('--logfile <file>', 'append logs to this file instead of stderr').env('WARREN_LOGFILE'))
    .addOption(
      new Option('--output <format>', 'log format').choices(['text', 'json']).default('text').env('WARREN_OUTPUT'),
    );
}

export interface LogFlags {
  loglevel: string;
  logfile?: string;
  output: 'text' | 'json';
}

export function logOptionsOf(f: LogFlags): LoggerOptions {
  return { level: f.loglevel, output: f.output, file: f.logfile };
}

/**
 * --data-dir and --database-url, as `warren serve` reads them, on a command that opens the
 * store by itself (`warren admin …`, `warren dns`).
 */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'data directory').default('.warren').env('WARREN_DATA_DIR'))
    .addOption(
      new Option(
        '--database-url <url>',
        'PostgreSQL (postgres://user@host:port/db) instead of SQLite in --data-dir',
      ).env('WARREN_DATABASE_URL'),
    );
}
