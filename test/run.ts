/**
 * `npm test`: runs every dist/test/*.test.js (or the files given) with node's test runner, so
 * that PostgreSQL cases are never skipped silently. Without WARREN_TEST_DATABASE_URL it starts a
 * throwaway cluster from /usr/lib/postgresql/<version>/bin (as .ci/postgres.sh does, as the
 * `postgres` user when run as root) and stops it at the end; without those binaries it says so
 * in one loud line.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * With `--test`, node 20 applies `--test-timeout` to each test file as a whole (and kills the
 * file's process when it runs over): one bound per file, whatever the file forgets. A per-test
 * `{ timeout }` would need every file to remember it. The slowest file (cli-tunnel-e2e, both
 * dialects) took about 70 s in a full run on a shared 2-core machine; 5 minutes leaves room for
 * a slower machine without letting a hung file hold the suite for long.
 */
const FILE_TIMEOUT_MS = 300_000; // 5 minutes per test file

const PG_ROOT = '/usr/lib/postgresql';

/**
 * Test files run at once: `WARREN_TEST_CONCURRENCY` (a positive integer), else 1. Files start real
 * processes (serve, connectors, sshd, pebble, Chromium) on ephemeral ports and their own databases,
 * so they may overlap; timing-bound tests then share the CPU.
 */
function fileConcurrency(): number {
  const n = Number(process.env.WARREN_TEST_CONCURRENCY ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

interface Cluster {
  url: string;
  stop(): void;
}

function loud(line: string): void {
  process.stderr.write(`\n!!!!! ${line} !!!!!\n\n`);
}

/** The newest installed server's bin directory, if any. */
function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const newest = versions[0];
  return newest === undefined ? undefined : join(PG_ROOT, newest, 'bin');
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const address = s.address();
  s.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** initdb refuses to run as root: then the cluster belongs to the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function startThrowawayPostgres(bin: string): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'warren-pg-'));
  const user = runAs();
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const port = await freePort();
  const data = join(dir, 'data');
  const log = join(dir, 'log');
  const run = (tool: string, args: string[]): void => {
    execFileSync(join(bin, tool), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...(user ?? {}) });
  };
  const stop = (): void => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped (or never started): only the directory is left
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust']);
    // fsync off: a throwaway cluster; the durability tests kill the client, not the server.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`;
    run('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', 'start']);
  } catch (err) {
    const why = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : String(err);
    stop();
    throw new Error(`the throwaway PostgreSQL in ${bin} did not start: ${why}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

async function main(): Promise<number> {
  const here = dirname(fileURLToPath(import.meta.url));
  const given = process.argv.slice(2);
  const files =
    given.length > 0
      ? given
      : readdirSync(here)
          .filter((f) => f.endsWith('.test.js'))
          .sort()
          .map((f) => join(here, f));

  let cluster: Cluster | undefined;
  if (process.env.WARREN_TEST_DATABASE_URL === undefined || process.env.WARREN_TEST_DATABASE_URL === '') {
    const bin = postgresBinDir();
    if (bin === undefined) {
      loud(
        `PostgreSQL tests are SKIPPED: WARREN_TEST_DATABASE_URL is unset and there is no server under ${PG_ROOT}/*/bin (apt-get install postgresql, or point WARREN_TEST_DATABASE_URL at one)`,
      );
    } else {
      try {
        cluster = await startThrowawayPostgres(bin);
        process.env.WARREN_TEST_DATABASE_URL = cluster.url;
        process.stderr.write(`npm test: throwaway PostgreSQL at ${cluster.url} (${bin}), stopped at the end\n`);
      } catch (err) {
        loud(`PostgreSQL tests are SKIPPED: ${(err as Error).message}`);
      }
    }
  }

  let child: ChildProcess | undefined;
  const interrupt = (signal: NodeJS.Signals): void => {
    child?.kill(signal);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const concurrency = `--test-concurrency=${fileConcurrency()}`;
    child = spawn(process.execPath, ['--test', concurrency, `--test-timeout=${FILE_TIMEOUT_MS}`, ...files], {
      stdio: 'inherit',
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? (signal === null ? 1 : 128);
  } finally {
    cluster?.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

process.exitCode = await main();
