import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAccessVerifier } from '../src/verify/index.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { type ShellSession, startShellSession } from './support/shell-session.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, type ServeHandle, startServe, startShellLine, tempDir } from './support/warren-processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The first ```sh block after `marker` in the README, line by line: comments dropped, a line
 * ending in `\` joined to the next. The browser `warren login` line is the one left out: its
 * headless twin, the next line, does the same.
 */
function readmeBlock(marker: string): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at > 0, `the README has "${marker}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && l !== './bin/warren login');
}

type Api = <T>(path: string) => Promise<T>;

describe("the README's walkthrough, clone to an Access-protected hostname, runs as written", {
  timeout: 180_000,
}, () => {
  let serve: ServeHandle;
  let origin: TestOrigin;
  let connector: Proc | undefined;
  let shell: ShellSession | undefined;
  const home = tempDir('warren-home-');

  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe({ env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN } });
  });
  after(async () => {
    await shell?.close();
    await connector?.stop();
    await serve?.stop('SIGKILL');
    await origin?.close();
  });

  test('named tunnel (zone add … tunnel info), then Access (team domain … service token), then delete', async () => {
    const named = readmeBlock('From the command line, as with cloudflared');
    const access = readmeBlock('Then put Access in front of that hostname');
    assert.ok(named.length >= 7, named.join('\n'));
    assert.ok(access.length >= 9, access.join('\n'));
    // Only the addresses differ from the README's: this serve listens on ephemeral ports.
    const local = (l: string) =>
      l
        .replaceAll('http://127.0.0.1:8081', serve.apiBase)
        .replaceAll('http://127.0.0.1:8080', serve.visitorBase)
        .replaceAll('http://localhost:3000', origin.url)
        .replaceAll('app.example.com:8080', `app.example.com:${serve.httpPort}`);
    const env = { HOME: home, TOKEN: ADMIN_TOKEN };
    const sh = startShellSession({ env, cwd: ROOT });
    shell = sh;
    const api: Api = async <T>(path: string) => {
      const r = await fetch(`${serve.apiBase}/client/v4${path}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const text = await r.text();
      assert.equal(r.status, 200, `${path}: ${text}`);
      return (JSON.parse(text) as { result: T }).result;
    };
    const accountId = (await api<{ id: string }[]>('/accounts'))[0]?.id ?? '';
    const acc = (p: string) => `/accounts/${accountId}/access${p}`;
    const run = async (line: string) => {
      const r = await sh.run(line);
      assert.equal(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    /** What each step of the Access block must have done; every one must be met. */
    const checked = new Set<string>();
    const steps: [RegExp, (out: string, line: string) => Promise<void>][] = [
      [
        /\/organizations /,
        async () => {
          const org = await api<{ auth_domain: string }>(acc('/organizations'));
          assert.match(org.auth_domain, /^example\.access\./);
        },
      ],
      [
        /\/identity_providers /,
        async () => {
          const idps = await api<{ type: string }[]>(acc('/identity_providers'));
          assert.deepEqual(
            idps.map((i) => i.type),
            ['onetimepin'],
          );
        },
      ],
      [
        /^ST=/,
        async () => {
          const tokens = await api<{ name: string }[]>(acc('/service_tokens'));
          assert.deepEqual(
            tokens.map((t) => t.name),
            ['ci'],
          );
        },
      ],
      [
        /^APP=/,
        async () => {
          const apps = await api<{ domain: string }[]>(acc('/apps'));
          assert.deepEqual(
            apps.map((a) => a.domain),
            ['app.example.com'],
          );
        },
      ],
      [
        /non_identity/,
        async () => {
          const [app] = await api<{ id: string }[]>(acc('/apps'));
          const policies = await api<{ decision: string }[]>(acc(`/apps/${app?.id}/policies`));
          assert.deepEqual(policies.map((p) => p.decision).sort(), ['allow', 'non_identity']);
        },
      ],
      [
        /redirect_url/,
        async (_out, line) => {
          // Without credentials: the team's login, and the origin never sees the request.
          const before = origin.seen.length;
          await eventually(async () => /^302 /.test(await run(line)), 10_000, 'the edge gates the hostname');
          const out = await run(line);
          assert.match(out, /^302 http:\/\/example\.access\.[^/]+\/cdn-cgi\/access\/login\/app\.example\.com\?/);
          assert.equal(origin.seen.length, before, 'the origin got no request without the headers');
        },
      ],
      [
        /CF-Access-Client-Secret/,
        async (out) => {
          assert.equal(out, 'hello, world\n');
          const got = origin.seen.at(-1)?.headers['cf-access-jwt-assertion'];
          assert.equal(typeof got, 'string', 'the origin got the Access JWT');
          const org = await api<{ auth_domain: string }>(acc('/organizations'));
          const [app] = await api<{ aud: string }[]>(acc('/apps'));
          const verifier = createAccessVerifier({
            teamDomain: org.auth_domain,
            audience: app?.aud ?? '',
            jwksUrl: `${serve.apiBase}/client/v4${acc('/certs')}`,
          });
          const claims = await verifier.verify(String(got));
          const clientId = (await sh.run('echo "$ST" | jq -r .result.client_id')).stdout.trim();
          assert.equal(claims.common_name, clientId);
        },
      ],
      [
        / access curl /,
        async (out) => {
          assert.equal(out, 'hello, world\n');
          const seen = origin.seen.at(-1);
          assert.equal(typeof seen?.headers['cf-access-jwt-assertion'], 'string', 'the origin got the Access JWT');
          assert.equal(seen?.headers['cf-access-client-secret'], undefined, 'the secret is not passed on');
        },
      ],
    ];

    for (const line of [...named, ...access].map(local)) {
      if (/ tunnel run /.test(line)) {
        // The README runs it in its own terminal: here, its own process.
        connector = startShellLine(line, { env, cwd: ROOT });
        const c = connector;
        await eventually(() => /Tunnel [0-9a-f-]{36} is connected/.test(c.stdout() + c.stderr()), 20_000, 'connected');
        continue;
      }
      if (line.startsWith('curl -H ') && !line.includes('CF-Access')) {
        // The edge learns the route from the store's change feed: a moment after the connector is up.
        await eventually(async () => (await run(line)) === 'hello, world\n', 10_000, 'the visitor reaches the app');
        continue;
      }
      const step = steps.find(([re]) => re.test(line));
      if (step !== undefined && /redirect_url/.test(line)) {
        await step[1]('', line);
        checked.add(String(step[0]));
        continue;
      }
      const out = await run(line);
      if (line.includes(' tunnel list')) assert.match(out, /\bweb\b/);
      if (step !== undefined) {
        await step[1](out, line);
        checked.add(String(step[0]));
      }
    }
    assert.deepEqual(
      steps.map(([re]) => String(re)).filter((re) => !checked.has(re)),
      [],
      'every Access step ran and did what the README says',
    );
    assert.match(access.at(-1) ?? '', / tunnel delete /);
  });
});
