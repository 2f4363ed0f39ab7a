import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AccessGateFixture, type SmtpCatcher, startAccessGateFixture } from './support/access-gate-fixture.js';
import { AccessBrowser } from './support/access-login-client.js';
import { oneLineError, runCli } from './support/cli-home.js';
import { eventually } from './support/eventually.js';
import type { NamedTunnelFixture } from './support/named-tunnel-fixture.js';
import { type VisitResult, visit } from './support/visit.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const TEAM = 'cli.access.warren.localhost';

function realCurl(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'curl'))) return join(dir, 'curl');
  }
  throw new Error('these tests need curl on PATH');
}
const ALICE = 'alice@example.test';

describe('warren access login, curl and token against a real edge, connector and origin', { timeout: 180_000 }, () => {
  let g: AccessGateFixture | undefined;
  let f: NamedTunnelFixture;
  let smtp: SmtpCatcher;
  let aud: string;
  let port: number;
  let appUrl: string;
  let resolve: string[];
  let service: { id: string; client_id: string; client_secret: string };

  before(async () => {
    g = await startAccessGateFixture({
      team: TEAM,
      allow: ALICE,
      appFields: { type: 'self_hosted' },
      setup: async (f, acc, app) => {
        service = (await f.api<typeof service>('POST', acc('/service_tokens'), { name: 'ci' })).result;
        await f.api('POST', acc(`/apps/${app.id}/policies`), {
          name: 'ci',
          decision: 'non_identity',
          include: [{ service_token: { token_id: service.id } }],
        });
      },
    });
    ({ f, smtp, port } = g);
    aud = g.app.aud;
    appUrl = `http://app.example.com:${port}/echo`;
    resolve = ['--resolve', `app.example.com:${port}:127.0.0.1`];
  });
  after(async () => {
    await g?.stop();
  });

  /** Starts `warren access login` and returns it with the page URL and code it printed. */
  async function startLogin(home: string): Promise<{ cli: Proc; page: string; code: string }> {
    const cli = startCli(['access', 'login', appUrl, '--no-browser', ...resolve], { env: { HOME: home }, cwd: home });
    const m = await cli.waitFor(/(http:\/\/\S+\/cdn-cgi\/access\/cli\?\S+)[\s\S]*the code ([A-Z0-9]{4}-[A-Z0-9]{4})/, {
      from: 'stderr',
    });
    return { cli, page: m[1] as string, code: m[2] as string };
  }

  /** The visitor opens the CLI's page: the app's login (one-time PIN by mail), then the confirmation page. */
  async function logInAt(b: AccessBrowser, page: string): Promise<VisitResult> {
    const first = await b.request(page);
    assert.equal(first.status, 302, 'no session: the usual login first');
    const login = String(first.headers.location);
    assert.ok(login.startsWith(`http://${TEAM}:${port}/cdn-cgi/access/login/app.example.com?kid=${aud}`), login);
    const form = await b.request(login);
    const field = (html: string, name: string) => AccessBrowser.field(html, name);
    const before = smtp.mails.length;
    const sent = await b.request(login, {
      form: {
        step: 'email',
        email: ALICE,
        csrf: field(form.text, 'csrf'),
        kid: field(form.text, 'kid'),
        redirect_url: field(form.text, 'redirect_url'),
      },
    });
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(ALICE)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    const done = await b.request(login, {
      form: {
        step: 'code',
        code,
        otp_id: field(sent.text, 'otp_id'),
        csrf: field(sent.text, 'csrf'),
        kid: field(sent.text, 'kid'),
        redirect_url: field(sent.text, 'redirect_url'),
      },
    });
    assert.equal(done.status, 302, done.text);
    const back = await b.request(String(done.headers.location));
    assert.equal(back.status, 302);
    const again = String(back.headers.location);
    assert.ok(again.startsWith('/cdn-cgi/access/cli?transfer='), again);
    return b.request(`http://app.example.com:${port}${again}`);
  }

  test('login through the one-time PIN flow and the confirmation page caches the token 0600; curl and token use it', async () => {
    const home = tempDir();
    const { cli, page, code } = await startLogin(home);
    const b = new AccessBrowser(port);
    const confirm = await logInAt(b, page);
    assert.equal(confirm.status, 200, confirm.text);
    assert.ok(confirm.text.includes(code), 'the page shows the code the CLI printed');
    // The Authorize button cannot be clicked through a frame on another site.
    assert.equal(confirm.headers['x-frame-options'], 'DENY');
    assert.match(String(confirm.headers['content-security-policy']), /frame-ancestors 'none'/);
    const ok = await b.request(page, { form: { csrf: AccessBrowser.field(confirm.text, 'csrf') } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(await cli.exited, 0, cli.stderr());

    const dir = join(home, '.warren', 'access');
    const file = join(dir, `app.example.com-${aud}.jwt`);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    assert.ok(!cli.stdout().includes(token) && !cli.stderr().includes(token), 'login does not print the token');

    // curl's command line shows in ps: a wrapper on PATH records it, then runs the real curl.
    const bin = tempDir();
    const argvLog = join(bin, 'argv');
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvLog}'\nexec ${realCurl()} "$@"\n`, {
      mode: 0o755,
    });
    const curl = await runCli(home, ['access', 'curl', ...resolve, appUrl, '-sS'], {
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    });
    assert.equal(curl.code, 0, curl.stderr);
    assert.ok(!readFileSync(argvLog, 'utf8').includes(token), "the token is not on curl's command line");
    const echoed = JSON.parse(curl.stdout) as { headers: Record<string, string> };
    assert.equal(echoed.headers['cf-access-authenticated-user-email'], ALICE);
    assert.equal(echoed.headers['cf-access-jwt-assertion'], token, 'the origin got the cached token');

    const printed = await runCli(home, ['access', 'token', '--app', appUrl, ...resolve]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), token);

    const again = await runCli(home, ['access', 'login', appUrl, '--no-browser', ...resolve]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Already logged in/);
  });

  test('a transfer id yields nothing until a signed-in visitor confirms it, and a forged confirmation is refused', async () => {
    const home = tempDir();
    const { cli, page } = await startLogin(home);
    try {
      const transfer = new URL(page).searchParams.get('transfer') as string;
      const poll = `/cdn-cgi/access/cli/token?transfer=${transfer}&app_path=%2Fecho`;
      /** The poll answers 202 `{"status":"pending"}`: no token. */
      const pending = async (why: string) => {
        const r = await visit(port, 'app.example.com', poll);
        assert.equal(r.status, 202, why);
        assert.deepEqual(JSON.parse(r.body.toString()), { status: 'pending' }, why);
      };
      await pending('nothing before a login');
      const b = new AccessBrowser(port);
      const confirm = await logInAt(b, page);
      assert.equal(confirm.status, 200);
      assert.match(confirm.text, /Authorize warren CLI\?/);
      await pending('a login alone hands out nothing');
      const forged = await b.request(page, { form: { csrf: 'x'.repeat(43) } });
      assert.equal(forged.status, 403, 'a confirmation without the page CSRF value is refused');
      assert.match(forged.text, /The form expired\. Confirm again\./);
      await pending('a forged confirmation hands out nothing');
      // Without a session (a page elsewhere posting the form), only the login redirect answers.
      const anonymous = await visit(port, 'app.example.com', new URL(page).pathname + new URL(page).search, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${AccessBrowser.field(confirm.text, 'csrf')}`,
      });
      assert.equal(anonymous.status, 302);
      assert.match(String(anonymous.headers.location), /\/cdn-cgi\/access\/login\/app\.example\.com\?/);
      await pending('an anonymous confirmation hands out nothing');
    } finally {
      await cli.stop();
    }
  });

  test('a confirmed token is handed out once, and only for its own app path', async () => {
    const home = tempDir();
    const { cli, page } = await startLogin(home);
    await cli.stop(); // the test takes the token itself
    const b = new AccessBrowser(port);
    const confirm = await logInAt(b, page);
    const ok = await b.request(page, { form: { csrf: AccessBrowser.field(confirm.text, 'csrf') } });
    assert.equal(ok.status, 200);
    const again = await b.request(page, { form: { csrf: AccessBrowser.field(confirm.text, 'csrf') } });
    assert.equal(again.status, 409, 'a second confirmation never replaces the first');
    const transfer = new URL(page).searchParams.get('transfer') as string;
    const poll = `/cdn-cgi/access/cli/token?transfer=${transfer}&app_path=%2Fecho`;
    const first = await visit(port, 'app.example.com', poll);
    assert.equal(first.status, 200);
    assert.equal(typeof (JSON.parse(first.text) as { token: string }).token, 'string');
    assert.equal((await visit(port, 'app.example.com', poll)).status, 202, 'single use');
  });

  test('headless curl with a service token from the environment reaches the origin; a wrong secret is refused', async () => {
    const home = tempDir();
    const env = { TUNNEL_SERVICE_TOKEN_ID: service.client_id, TUNNEL_SERVICE_TOKEN_SECRET: service.client_secret };
    const r = await runCli(home, ['access', 'curl', ...resolve, appUrl, '-sS'], env);
    assert.equal(r.code, 0, r.stderr);
    const echoed = JSON.parse(r.stdout) as { headers: Record<string, string> };
    assert.ok(echoed.headers['cf-access-jwt-assertion'], 'the origin got a service-token JWT');
    assert.ok(!r.stderr.includes(service.client_secret));

    const wrong = await runCli(
      home,
      ['access', 'curl', ...resolve, appUrl, '-sS', '-o', '/dev/null', '-w', '%{http_code}'],
      {
        ...env,
        TUNNEL_SERVICE_TOKEN_SECRET: `${service.client_secret.slice(0, -2)}xx`,
      },
    );
    assert.equal(wrong.code, 0, wrong.stderr);
    assert.equal(wrong.stdout, '302', 'no access: the login redirect');
  });

  test('access token refuses, in one line, when nothing is cached or the cached token expired', async () => {
    const home = tempDir();
    const none = oneLineError(await runCli(home, ['access', 'token', '--app', appUrl, ...resolve]));
    assert.match(none, /no valid token .* run `warren access login/);
    assert.match(none, /WARREN_ACCESS_NO_TOKEN/);
    const dir = join(home, '.warren', 'access');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const past = Math.floor(Date.now() / 1000) - 60;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const expired = `${b64({ alg: 'RS256' })}.${b64({ aud: [aud], exp: past, iat: past - 3600 })}.c2ln`;
    writeFileSync(join(dir, `app.example.com-${aud}.jwt`), `${expired}\n`, { mode: 0o600 });
    const line = oneLineError(await runCli(home, ['access', 'token', '--app', appUrl, ...resolve]));
    assert.match(line, /WARREN_ACCESS_NO_TOKEN/);
    assert.ok(!line.includes(expired), 'the token is not shown');
  });

  test('one clear line when curl is missing, when the URL is not behind Access, and for access tcp without a hostname', async () => {
    const home = tempDir();
    const noCurl = oneLineError(await runCli(home, ['access', 'curl', ...resolve, appUrl], { PATH: home }));
    assert.match(noCurl, /curl is not installed or not on PATH.*WARREN_CURL_MISSING/);
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'open.example.com',
    });
    const open = oneLineError(
      await runCli(home, [
        'access',
        'token',
        '--app',
        `http://open.example.com:${port}/`,
        '--resolve',
        `open.example.com:${port}:127.0.0.1`,
      ]),
    );
    assert.match(open, /is not behind Access.*WARREN_ACCESS_NOT_PROTECTED/);
    const tcp = await runCli(home, ['access', 'tcp', '--url', '127.0.0.1:2222']);
    assert.equal(tcp.code, 1);
    assert.match(oneLineError(tcp), /--hostname is missing.*WARREN_CONFIG_INVALID/);
  });
});
