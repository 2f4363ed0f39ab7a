import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli-home.js';
import { type CorpusLine, placeholders, readCorpus } from './support/command-corpus.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import type { Envelope } from './support/control-types.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

const CORPUS = new URL('../../test/data/cloudflared-command-lines.txt', import.meta.url);
const ZONE = 'example.com';
const TUNNEL = 'web';
const HOST = `app.${ZONE}`;
/** Bounds per line: a one-shot command, and a connector from start to a served request. */
const LINE_TIMEOUT_MS = 15_000;

const sqlite = DIALECTS[0];
assert.ok(sqlite !== undefined && sqlite.name === 'sqlite');

describe('the cloudflared command-line corpus against a real serve and connector', () => {
  let serve: ServeHandle;
  let origin: TestOrigin;
  let db: Awaited<ReturnType<typeof sqlite.fresh>>;
  const home = tempDir('warren-corpus-home-');
  const procs: Proc[] = [];
  let lines: CorpusLine[] = [];

  before(async () => {
    db = await sqlite.fresh();
    origin = await startTestOrigin();
    serve = await startServe({
      dataDir: db.dataDir,
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    procs.push(serve);
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const accounts = (await (await fetch(`${serve.apiBase}/client/v4/accounts`, { headers })).json()) as Envelope<
      { id: string }[]
    >;
    const account = accounts.result[0]?.id as string;
    await fetch(`${serve.apiBase}/client/v4/zones`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ account: { id: account }, name: ZONE }),
    });
    const cli = async (args: string[]): Promise<string> => {
      const r = await runCli(home, args);
      assert.equal(r.code, 0, `warren ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await cli(['tunnel', 'login', '--api', serve.apiBase, '--api-token', ADMIN_TOKEN, '--zone', ZONE]);
    const created = JSON.parse(await cli(['tunnel', 'create', '-o', 'json', TUNNEL])) as { id: string };
    await cli(['tunnel', 'route', 'dns', TUNNEL, HOST]);
    const token = (await cli(['tunnel', 'token', TUNNEL])).trim();
    const tokenFile = join(home, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const credFile = join(home, `${created.id}.json`);
    await cli(['tunnel', 'token', '--cred-file', credFile, TUNNEL]);
    const config = join(home, 'config.yml');
    writeFileSync(
      config,
      [
        `tunnel: ${created.id}`,
        `credentials-file: ${credFile}`,
        'ingress:',
        `  - hostname: ${HOST}`,
        `    service: ${origin.url}`,
        '  - service: http_status:404',
        '',
      ].join('\n'),
    );
    // The same, written as cloudflared users write it: every path under ~ (issue 30).
    const configTilde = join(home, 'config-tilde.yml');
    writeFileSync(
      configTilde,
      [
        `tunnel: ${created.id}`,
        `credentials-file: ~/${created.id}.json`,
        'origincert: ~/.warren/cert.pem',
        'logfile: ~/connector-tilde.log',
        'pidfile: ~/connector-tilde.pid',
        'ingress:',
        `  - hostname: ${HOST}`,
        `    service: ${origin.url}`,
        '    originRequest:',
        '      caPool: ~/.warren/edge-ca.pem',
        '  - service: http_status:404',
        '',
      ].join('\n'),
    );
    // A file with `url:` only (an origin nothing listens on): a flag on the command line must beat it (issue 20).
    const configUrl = join(home, 'config-url.yml');
    writeFileSync(configUrl, [`credentials-file: ${credFile}`, 'url: http://127.0.0.1:9', ''].join('\n'));
    // `originRequest.access` with `teamName: myteam` as cloudflared's docs write it (issue 20): the
    // connector learns D and the keys from its edge (test/access-connector-team-name.test.ts checks tokens).
    const configTeam = join(home, 'config-team.yml');
    writeFileSync(
      configTeam,
      [
        `tunnel: ${created.id}`,
        `credentials-file: ${credFile}`,
        'ingress:',
        `  - hostname: ${HOST}`,
        '    path: ^/locked',
        `    service: ${origin.url}`,
        '    originRequest:',
        '      access:',
        '        required: true',
        '        teamName: myteam',
        `        audTag: [${'a'.repeat(64)}]`,
        `  - hostname: ${HOST}`,
        `    service: ${origin.url}`,
        '  - service: http_status:404',
        '',
      ].join('\n'),
    );
    // The corpus logs in itself, as a user following the docs does.
    rmSync(join(home, '.warren', 'cert.pem'));
    lines = readCorpus(
      CORPUS.pathname,
      placeholders({
        TUNNEL,
        HOST,
        ZONE,
        TOKEN: token,
        TOKEN_FILE: tokenFile,
        CRED_FILE: credFile,
        CONFIG: config,
        CONFIG_TILDE: configTilde,
        CONFIG_URL: configUrl,
        CONFIG_TEAM: configTeam,
        CRED_FILE_TILDE: `~/${created.id}.json`,
        ORIGIN_URL: origin.url,
        ORIGIN_ADDR: new URL(origin.url).host,
        EDGE: `127.0.0.1:${serve.tunnelPort}`,
        EDGE_CA: serve.caPath,
        API: serve.apiBase,
        API_TOKEN: ADMIN_TOKEN,
        HOME: home,
        APP_URL: `http://${HOST}:${serve.httpPort}`,
        EDGE_HTTP: `http://127.0.0.1:${serve.httpPort}`,
        // Docs' hostnames resolve through public DNS; here they are sent to the edge on loopback.
        RESOLVE: `${HOST}:${serve.httpPort}:127.0.0.1`,
      }),
    );
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    await origin?.close();
    await db?.drop();
  });

  /** Runs one line; returns what differs from its expected outcome, or undefined. */
  async function check(line: CorpusLine): Promise<string | undefined> {
    const p = startCli(line.args, { env: { HOME: home, ...line.env }, cwd: home });
    procs.push(p);
    const output = (): string => `\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`;
    if (line.outcome.kind === 'serves') {
      let host = line.outcome.host;
      try {
        if (host === 'quick')
          host = (
            await p.waitFor(/quick tunnel is ready: https?:\/\/([^:/\s]+)/, { timeoutMs: LINE_TIMEOUT_MS })
          )[1] as string;
        await eventually(
          async () =>
            (await visit(serve.httpPort, host, line.outcome.kind === 'serves' ? line.outcome.path : '/echo')).status ===
            200,
          LINE_TIMEOUT_MS,
          `${host} answers`,
        );
      } catch (err) {
        await p.stop('SIGKILL');
        return `${(err as Error).message}${output()}`;
      }
      const code = await p.stop('SIGTERM');
      return code === 0 ? undefined : `the connector exited ${code} on SIGTERM${output()}`;
    }
    if (line.outcome.kind === 'runs') {
      const re = line.outcome.line;
      try {
        // A stream prints its line on either output; wait for it there, then stop it.
        await Promise.any([
          p.waitFor(re, { timeoutMs: LINE_TIMEOUT_MS }),
          p.waitFor(re, { from: 'stderr', timeoutMs: LINE_TIMEOUT_MS }),
        ]);
      } catch {
        await p.stop('SIGKILL');
        return `${re} not printed within ${LINE_TIMEOUT_MS} ms${output()}`;
      }
      const code = await p.stop('SIGTERM');
      return code === 0 ? undefined : `exited ${code} on SIGTERM${output()}`;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), LINE_TIMEOUT_MS);
    });
    const code = await Promise.race([p.exited, timedOut]);
    clearTimeout(timer);
    if (code === 'timeout') {
      await p.stop('SIGKILL');
      return `still running after ${LINE_TIMEOUT_MS} ms${output()}`;
    }
    const { code: want, line: re } = line.outcome;
    const matched = `${p.stdout()}\n${p.stderr()}`.split('\n').some((l) => re.test(l));
    if (code !== want || !matched)
      return `exit ${code} (want ${want}), ${re} ${matched ? 'matched' : 'not matched'}${output()}`;
    return undefined;
  }

  test('every line works or says in one line what differs, as the data file expects', {
    timeout: 300_000,
  }, async () => {
    assert.ok(lines.length >= 45, `the corpus has ${lines.length} lines`);
    // WARREN_CORPUS_ONLY=REGEX runs only the lines it matches (while working on a few of them).
    const only = process.env.WARREN_CORPUS_ONLY;
    const picked = only === undefined ? lines : lines.filter((l) => new RegExp(only).test(l.text));
    const failures: string[] = [];
    for (const line of picked) {
      const why = await check(line);
      if (why !== undefined) failures.push(`line ${line.lineNumber}: ${line.text}\n  ${why.replaceAll('\n', '\n  ')}`);
    }
    assert.deepEqual(failures, []);
  });
});
