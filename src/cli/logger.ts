import { createWriteStream } from 'node:fs';
import { type LevelWithSilent, type Logger, pino } from 'pino';

export interface LoggerOptions {
  level: string;
  /** `json` writes pino's lines as they are; `text` writes one readable line per entry. */
  output: 'text' | 'json';
  /** Append to this file instead of stderr. */
  file?: string | undefined;
  /** Also gets every entry as pino's JSON line (the connector's in-memory ring for `tunnel diag`). */
  onLine?: ((line: string) => void) | undefined;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SHORT: Record<number, string> = { 10: 'TRC', 20: 'DBG', 30: 'INF', 40: 'WRN', 50: 'ERR', 60: 'FTL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function parseLogLevel(value: string): LevelWithSilent {
  const v = value.toLowerCase();
  if (!LEVELS.includes(v)) throw new Error(`--loglevel must be one of ${LEVELS.join(', ')} (got "${value}")`);
  return v as LevelWithSilent;
}

/** Structured logs (pino) on stderr or a file; readable text by default, JSON with `--output json`. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.file === undefined ? process.stderr : createWriteStream(options.file, { flags: 'a' });
  const level = parseLogLevel(options.level);
  const onLine = options.onLine;
  if (options.output === 'json') {
    if (onLine === undefined) return pino({ level, base: undefined }, out);
    return pino(
      { level, base: undefined },
      {
        write(line: string) {
          onLine(line);
          out.write(line);
        },
      },
    );
  }
  return pino(
    { level, base: undefined },
    {
      write(line: string) {
        onLine?.(line);
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(line);
          return;
        }
        const time = new Date(o.time as number).toISOString().replace(/\.\d+Z$/, 'Z');
        let s = `${time} ${SHORT[o.level as number] ?? 'INF'} ${String(o.msg ?? '')}`;
        for (const [k, v] of Object.entries(o)) {
          if (SKIP.has(k)) continue;
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          s += ` ${k}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
        }
        out.write(`${s}\n`);
      },
    },
  );
}
