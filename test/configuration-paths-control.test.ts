import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_EMAIL, ADMIN_TOKEN, type Envelope } from './support/control-harness.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const DIST_SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The relative modules `file` imports (static and dynamic), resolved to files. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec));
    else packages.push(spec);
  }
  return { local, packages };
}

test('the-configuration-API-reaches-no-connector-module-that-touches-a-filesystem', () => {
  const start = join(DIST_SRC, 'control', 'tunnels', 'tunnel-configuration-routes.js');
  const connectorDir = join(DIST_SRC, 'connector');
  const seen = new Set<string>();
  const queue = [start];
  const touching: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const { local, packages } = importsOf(file);
    const inConnector = file.startsWith(connectorDir);
    if (inConnector && packages.some((p) => /^(node:)?fs(\/promises)?$/.test(p)))
      touching.push(relative(DIST_SRC, file));
    // The route's own imports, then everything below src/connector that they pull in.
    for (const next of local) if (file === start || next.startsWith(connectorDir)) queue.push(next);
  }
  const reached = [...seen].filter((f) => f.startsWith(connectorDir)).map((f) => relative(DIST_SRC, f));
  assert.ok(reached.includes(join('connector', 'config', 'remote-config.js')), reached.join(', '));
  assert.ok(reached.includes(join('connector', 'ingress', 'ingress.js')), reached.join(', '));
  assert.deepEqual(touching, [], 'connector modules reachable from the configuration API that import fs');
  assert.deepEqual(
    reached.filter((f) => f.includes('origin-files')),
    [],
    'the loader of origin files is reachable from the configuration API',
  );
});

describe('a configuration PUT checks the shape of the paths it names and opens none of them', () => {
  let serve: ServeHandle;
  let account: string;
  let tunnel: string;
  const dir = tempDir('warren-paths-');
  const fifo = join(dir, 'fifo.pem');
  execFileSync('mkfifo', [fifo]);

  const put = async (config: unknown): Promise<{ status: number; ms: number; body: Envelope }> => {
    const started = Date.now();
    // The server could freeze on such a path (it did): the client gives up, the test fails.
    const res = await fetch(`${serve.apiBase}/client/v4/accounts/${account}/cfd_tunnel/${tunnel}/configurations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, ms: Date.now() - started, body: (await res.json()) as Envelope };
  };
  const rule = (originRequest: Record<string, unknown>) => ({
    ingress: [
      { hostname: 'app.example.com', service: 'https://localhost:8443', originRequest },
      { service: 'http_status:404' },
    ],
  });

  before(async () => {
    serve = await startServe({ env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const accounts = (await (await fetch(`${serve.apiBase}/client/v4/accounts`, { headers })).json()) as Envelope<
      { id: string }[]
    >;
    account = accounts.result[0]?.id as string;
    const created = (await (
      await fetch(`${serve.apiBase}/client/v4/accounts/${account}/cfd_tunnel`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'paths' }),
      })
    ).json()) as Envelope<{ id: string }>;
    tunnel = created.result.id;
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('PUT-with-server-paths-in-caPool-tlsClientCert-tlsClientKey-answers-at-once-by-shape-alone', async () => {
    // A FIFO (would hang a reader), /dev/zero (endless), a file without PEM, a directory, one that does not exist.
    const paths = [fifo, '/dev/zero', '/etc/passwd', '/root', '/root/.ssh/id_rsa', join(dir, 'missing.pem'), dir];
    const answers: string[] = [];
    for (const path of paths) {
      for (const originRequest of [{ caPool: path }, { tlsClientCert: path, tlsClientKey: path }]) {
        const r = await put(rule(originRequest));
        assert.equal(r.status, 200, `${JSON.stringify(originRequest)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.success, true);
        assert.ok(r.ms < 5_000, `${path} took ${r.ms} ms`);
        // The answer tells nothing about the server's files: the same for each of them.
        answers.push(JSON.stringify(r.body.errors) + JSON.stringify(r.body.messages));
      }
    }
    assert.equal(new Set(answers).size, 1);
    // The API still answers: nothing froze.
    const health = await fetch(`${serve.apiBase}/healthz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(health.status, 200);
  });

  test('PUT-with-a-path-of-a-bad-shape-is-refused-naming-the-rule-and-the-field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ caPool: '~bob/ca.pem' }, /ingress rule #1: originRequest\.caPool "~bob\/ca\.pem" names another user's home/],
      [{ tlsClientCert: '/c.pem' }, /ingress rule #1: originRequest sets tlsClientCert without tlsClientKey/],
      [{ tlsClientCert: '', tlsClientKey: '/k.pem' }, /ingress rule #1: originRequest\.tlsClientCert is empty/],
    ];
    for (const [originRequest, message] of cases) {
      const r = await put(rule(originRequest));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.errors[0]?.message ?? '', message);
    }
    const socket = await put({ ingress: [{ service: 'unix:~bob/app.sock' }] });
    assert.equal(socket.status, 400);
    assert.match(socket.body.errors[0]?.message ?? '', /the socket path "~bob\/app\.sock" names another user's home/);
  });
});
