import { startCli } from './warren-processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `warren …` command to completion with HOME (and the working directory) set to `home`. */
export async function runCli(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const p = startCli(args, { env: { HOME: home, ...env }, cwd: home });
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Asserts a failure reads as one clear line on stderr and returns it. */
export function oneLineError(r: CliResult): string {
  if (r.code === 0) throw new Error(`expected a failure, got exit 0\nstdout:\n${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0] as string;
}
