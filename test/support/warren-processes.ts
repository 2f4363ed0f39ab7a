import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI entry compiled by `npm run build` (tests run from dist/test/, so this is dist/src/cli/main.js). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Proc {
  child: ChildProcess;
  /** Everything the process printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout (or stderr with `from: 'stderr'`). */
  waitFor(re: RegExp, options?: { from?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `node dist/src/cli/main.js ...args` with output captured. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  return startProcess(process.execPath, [CLI, ...args], options);
}

/** Runs a printed command line through `sh -c` exactly as a user would paste it (`exec`, so stop() reaches it). */
export function startShellLine(line: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  return startProcess('/bin/sh', ['-c', `exec ${line}`], options);
}

function startProcess(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }): Proc {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      for (const l of listeners) l();
      resolve(code);
    });
  });
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const proc: Proc = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, o = {}) {
      const timeoutMs = o.timeoutMs ?? 15_000;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = (o.from === 'stderr' ? err : out).match(re);
          if (m !== null) {
            done();
            resolve(m);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`process exited (${exitCode}) before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      return exited;
    },
  };
  return proc;
}

export interface ServeHandle extends Proc {
  httpPort: number;
  tunnelPort: number;
  apiPort: number;
  dataDir: string;
  caPath: string;
  /** http://127.0.0.1:<httpPort> */
  visitorBase: string;
  apiBase: string;
}

export function tempDir(prefix = 'warren-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts the real `warren serve` on ephemeral loopback ports. Pass fixed ports
 * (e.g. to restart an edge on the same ports) and extra flags in `args`.
 */
export async function startServe(
  options: {
    dataDir?: string;
    args?: string[];
    env?: NodeJS.ProcessEnv;
    ports?: { http: number; tunnel: number; api: number };
  } = {},
): Promise<ServeHandle> {
  const dataDir = options.dataDir ?? tempDir();
  const p = options.ports ?? { http: 0, tunnel: 0, api: 0 };
  const proc = startCli(
    [
      'serve',
      '--data-dir',
      dataDir,
      '--http-port',
      String(p.http),
      '--tunnel-port',
      String(p.tunnel),
      '--api-port',
      String(p.api),
      '--loglevel',
      'warn',
      ...(options.args ?? []),
    ],
    // One process unless a test passes --workers (on PostgreSQL serve forks one edge worker per core).
    { env: { WARREN_WORKERS: '1', ...options.env } },
  );
  const [, http] = await proc.waitFor(/visitor http\s+http:\/\/[^:]+:(\d+)/);
  const [, tunnel] = await proc.waitFor(/tunnel\s+\S+:(\d+)/);
  const [, api] = await proc.waitFor(/api\s+http:\/\/[^:]+:(\d+)/);
  const [, caPath] = await proc.waitFor(/edge CA\s+(\S+)/);
  return Object.assign(proc, {
    httpPort: Number(http),
    tunnelPort: Number(tunnel),
    apiPort: Number(api),
    dataDir,
    caPath: caPath as string,
    visitorBase: `http://127.0.0.1:${http}`,
    apiBase: `http://127.0.0.1:${api}`,
  });
}

export interface QuickTunnelHandle extends Proc {
  /** e.g. four-east-lawn-bell-3f9a1c2e.quick.warren.localhost */
  hostname: string;
  url: string;
}

/** Starts the real connector as `warren tunnel --url <origin>` against `serve`. */
export async function startQuickTunnel(
  serve: ServeHandle,
  originUrl: string,
  args: string[] = [],
): Promise<QuickTunnelHandle> {
  const proc = startCli([
    'tunnel',
    '--url',
    originUrl,
    '--edge',
    `127.0.0.1:${serve.tunnelPort}`,
    '--edge-ca',
    serve.caPath,
    '--loglevel',
    'warn',
    ...args,
  ]);
  const [, url, hostname] = await proc.waitFor(/quick tunnel is ready: (http:\/\/([^:/\s]+)\S*)/);
  return Object.assign(proc, { url: url as string, hostname: hostname as string });
}

/** Waits for a child to exit (after it was signalled elsewhere). */
export async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}
