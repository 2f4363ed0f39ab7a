import { spawn } from 'node:child_process';

/** What one line printed, and its exit status. */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One `sh` that runs lines one after another, as a person types them into one terminal: a
 * variable or a function a line sets is there for the next. Each line's own stdin is /dev/null
 * (`{ line\n} </dev/null` runs in this shell, not a subshell), so no command reads the script.
 */
export interface ShellSession {
  run(line: string, timeoutMs?: number): Promise<ShellResult>;
  close(): Promise<void>;
}

export function startShellSession(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ShellSession {
  const child = spawn('/bin/sh', ['-s'], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const wake = () => {
    for (const l of listeners) l();
  };
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    wake();
  });
  child.once('exit', () => {
    exited = true;
    wake();
  });
  let n = 0;
  let busy = false;
  /** A line timed out: the shell may still be running it. */
  let stuck = false;
  return {
    run(line, timeoutMs = 30_000) {
      if (busy) return Promise.reject(new Error('one line at a time'));
      busy = true;
      n += 1;
      const mark = `__warren_line_${n}_done__`;
      const outEnd = new RegExp(`\\n${mark} (\\d+)\\n`);
      const errEnd = `\n${mark}\n`;
      child.stdin.write(`{ ${line}\n} </dev/null\nprintf '\\n%s %s\\n' ${mark} $?\nprintf '\\n%s\\n' ${mark} >&2\n`);
      return new Promise<ShellResult>((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          busy = false;
        };
        const check = (): void => {
          const m = outEnd.exec(out);
          const e = err.indexOf(errEnd);
          if (m !== null && e >= 0) {
            finish();
            const stdout = out.slice(0, m.index);
            const stderr = err.slice(0, e);
            out = out.slice(m.index + m[0].length);
            err = err.slice(e + errEnd.length);
            resolve({ code: Number(m[1]), stdout, stderr });
          } else if (exited) {
            finish();
            reject(new Error(`the shell exited while running: ${line}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          stuck = true;
          reject(new Error(`timed out after ${timeoutMs} ms running: ${line}\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      // A line still running (a failed test left it) would keep the shell: stop it.
      if (busy || stuck) child.kill('SIGKILL');
      await gone;
    },
  };
}
