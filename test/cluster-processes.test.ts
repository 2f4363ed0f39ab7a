import assert from 'node:assert/strict';
import { promises as dnsPromises } from 'node:dns';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { resolveEdgeAddresses } from '../src/connector/index.js';
import { AccessBrowser } from './support/access-login-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe } from './support/warren-processes.js';

const postgres = DIALECTS.find((d) => d.name === 'postgres') as (typeof DIALECTS)[number];
const TEAM = 'team.access.warren.localhost';
const ALICE = 'alice@example.test';
const PASSWORD = 'correct horse battery';

/**
 * Issue 23: three `warren serve` processes on one PostgreSQL share what used to live in one
 * process's memory (PINs, throttles) and hear changes after their LISTEN connection is killed.
 */
describe('three warren serve processes on one PostgreSQL', { skip: postgres.skip, timeout: 180_000 }, () => {
  let db: Awaited<ReturnType<typeof postgres.fresh>>;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  const edges: { serve: ServeHandle; dnsPort: number }[] = [];
  let accountId = '';
  let zoneId = '';
  let aud = '';

  const api = async <R>(base: string, method: string, path: string, body?: unknown, headers = {}) => {
    const res = await fetch(`${base}/client/v4${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as { success: boolean; result: R } };
  };
  const edge = (i: number) => edges[i] as { serve: ServeHandle; dnsPort: number };

  before(async () => {
    db = await postgres.fresh();
    smtp = await startSmtpCatcher();
    // One after the other: the first writes the edge CA and secret.key into the shared data directory.
    for (let i = 0; i < 3; i++) {
      const serve = await startServe({
        ...(i === 0 ? {} : { dataDir: edge(0).serve.dataDir }),
        args: [
          '--database-url',
          db.databaseUrl as string,
          '--dns-port',
          '0',
          '--smtp-url',
          smtp.url,
          '--edge-name',
          `edge-${'abc'[i]}`,
          // One process each: the tests count LISTEN connections and name edges by process.
          '--workers',
          '1',
        ],
        env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN, WARREN_ADMIN_PASSWORD: PASSWORD },
      });
      const dnsPort = Number((await serve.waitFor(/dns\s+\S+:(\d+) \(UDP and TCP\)/))[1]);
      edges.push({ serve, dnsPort });
    }
    const a = edge(0).serve.apiBase;
    accountId = (await api<{ id: string }[]>(a, 'GET', '/accounts')).json.result[0]?.id as string;
    zoneId = (await api<{ id: string }>(a, 'POST', '/zones', { account: { id: accountId }, name: 'example.com' })).json
      .result.id;
    const acc = (p: string) => `/accounts/${accountId}/access${p}`;
    await api(a, 'POST', acc('/organizations'), { name: 'Team', auth_domain: TEAM });
    await api(a, 'POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    const app = await api<{ id: string; aud: string }>(a, 'POST', acc('/apps'), {
      name: 'App',
      domain: 'app.example.com',
      type: 'self_hosted',
    });
    assert.ok(app.json.success, JSON.stringify(app.json));
    aud = app.json.result.aud;
    await api(a, 'POST', acc(`/apps/${app.json.result.id}/policies`), {
      name: 'alice',
      decision: 'allow',
      include: [{ email: { email: ALICE } }],
    });
  });

  after(async () => {
    for (const e of edges) await e.serve.stop();
    await smtp?.close();
    await db?.drop();
  });

  test('a one-time PIN login started at process A finishes at process B', async () => {
    const [a, b] = [edge(0).serve.httpPort, edge(1).serve.httpPort];
    // B's gate follows the change feed: wait until it protects the app too.
    for (const port of [a, b]) {
      await eventually(
        async () => (await visit(port, 'app.example.com', '/')).status === 302,
        10_000,
        `app protected at :${port}`,
      );
    }
    const atA = new AccessBrowser(a);
    const login = `http://${TEAM}:${a}/cdn-cgi/access/login/app.example.com?kid=${aud}&redirect_url=%2F`;
    const form = await atA.request(login);
    assert.equal(form.status, 200, form.text);
    const before = smtp.mails.length;
    const sent = await atA.request(login, {
      form: {
        step: 'email',
        email: ALICE,
        csrf: AccessBrowser.field(form.text, 'csrf'),
        kid: aud,
        redirect_url: '/',
      },
    });
    assert.equal(sent.status, 200, sent.text);
    const mail = await eventually(() => smtp.mails.slice(before).find((m) => m.to.includes(ALICE)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    // The same browser (its cookies) now reaches process B.
    const atB = new AccessBrowser(b);
    for (const [host, cookies] of atA.jar) atB.jar.set(host, new Map(cookies));
    const done = await atB.request(`http://${TEAM}:${b}/cdn-cgi/access/login/app.example.com?kid=${aud}`, {
      form: {
        step: 'code',
        code,
        otp_id: AccessBrowser.field(sent.text, 'otp_id'),
        csrf: AccessBrowser.field(sent.text, 'csrf'),
        kid: aud,
        redirect_url: '/',
      },
    });
    assert.equal(done.status, 302, done.text);
    assert.match(String(done.headers.location), /\/cdn-cgi\/access\/authorized\?token=/);
  });

  test('five wrong passwords spread over three processes lock the address as five on one would', async () => {
    const signIn = (i: number, password: string) =>
      api(edge(i).serve.apiBase, 'POST', '/user/sessions', { email: ADMIN_EMAIL, password }, { authorization: '' });
    const answers: number[] = [];
    for (const i of [0, 1, 2, 0, 1]) answers.push((await signIn(i, `wrong ${answers.length}`)).status);
    assert.deepEqual(answers, [401, 401, 401, 401, 401]);
    // The sixth, at a process that saw only one of the five, is refused: one budget, not three.
    const sixth = await signIn(2, 'wrong 5');
    assert.equal(sixth.status, 429, JSON.stringify(sixth.json));
    assert.equal((await signIn(0, PASSWORD)).status, 429, 'even the right password, anywhere, while locked');
  });

  test('a DNS record changed through A is honoured by B within a second, and again after B lost its LISTEN connection', async () => {
    const a = edge(0).serve.apiBase;
    const bDns = edge(1).dnsPort;
    const add = await api<{ id: string }>(a, 'POST', `/zones/${zoneId}/dns_records`, {
      type: 'A',
      name: 'moved',
      content: '198.51.100.1',
    });
    assert.ok(add.json.success, JSON.stringify(add.json));
    const answer = async () => (await dig(bDns, ['moved.example.com', 'A'])).answer[0] ?? '';
    await eventually(async () => (await answer()).endsWith('198.51.100.1'), 1_000, 'B answers within 1 s');
    // Kill every LISTEN backend of this database (B's, and A's and C's), then change the record at once:
    // its NOTIFY finds nobody listening, so only the full reload after the re-LISTEN can bring it to B.
    const admin = new pg.Client({ connectionString: db.databaseUrl });
    await admin.connect();
    try {
      const killed = await admin.query<{ pid: number }>(
        `SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
      );
      assert.equal(killed.rows.length, 3, 'one LISTEN connection per process');
    } finally {
      await admin.end();
    }
    const put = await api(a, 'PATCH', `/zones/${zoneId}/dns_records/${add.json.result.id}`, {
      content: '198.51.100.2',
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    await eventually(async () => (await answer()).endsWith('198.51.100.2'), 5_000, 'B answers after its resync');
  });

  test('warren tail through process B shows a request served by process A', async () => {
    const a = edge(0).serve;
    const b = edge(1).serve;
    const origin = await startTestOrigin();
    const created = await api<{ id: string }>(a.apiBase, 'POST', `/accounts/${accountId}/cfd_tunnel`, {
      name: 'tailed',
    });
    const tunnelId = created.json.result.id;
    await api(a.apiBase, 'PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'tailed.example.com',
    });
    const token = (await api<string>(a.apiBase, 'GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).json
      .result;
    const procs: Proc[] = [];
    try {
      const connector = startCli([
        'tunnel',
        'run',
        '--token',
        token,
        '--edge',
        `127.0.0.1:${a.tunnelPort}`,
        '--edge-ca',
        a.caPath,
        '--url',
        origin.url,
        '--loglevel',
        'warn',
      ]);
      procs.push(connector);
      await eventually(
        async () => (await visit(a.httpPort, 'tailed.example.com', '/status/204')).status === 204,
        15_000,
        'the tunnel serves at A',
      );
      const tail = startCli(['tail', 'tailed', '--api', b.apiBase, '--api-token', ADMIN_TOKEN, '--output', 'json']);
      procs.push(tail);
      // B holds no link of the tunnel: the connector's answer comes through A.
      await tail.waitFor(/connector \S+ is streaming/, { from: 'stderr', timeoutMs: 15_000 });
      const served = await visit(a.httpPort, 'tailed.example.com', '/status/201');
      assert.equal(served.status, 201);
      assert.equal(served.text, 'status body\n', "the origin's answer, through A");
      await eventually(
        () =>
          tail
            .stdout()
            .split('\n')
            .some((l) => l.startsWith('{') && (JSON.parse(l) as { path?: string }).path === '/status/201'),
        5_000,
        'the event in the tail at B',
      );
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await origin.close();
    }
  });

  test('an SRV name _warren._tcp.D resolves to its edges, by priority then weight', async () => {
    const a = edge(0).serve.apiBase;
    for (const [target, priority, weight, port] of [
      ['edge-b.example.com', 10, 5, 7002],
      ['edge-a.example.com', 10, 50, 7001],
      ['edge-c.example.com', 20, 100, 7003],
    ] as const) {
      const r = await api(a, 'POST', `/zones/${zoneId}/dns_records`, {
        type: 'SRV',
        name: '_warren._tcp.example.com',
        data: { priority, weight, port, target },
      });
      assert.ok(r.json.success, JSON.stringify(r.json));
    }
    const resolver = new dnsPromises.Resolver();
    resolver.setServers([`127.0.0.1:${edge(1).dnsPort}`]);
    await eventually(
      async () => (await resolver.resolveSrv('_warren._tcp.example.com').catch(() => [])).length === 3,
      5_000,
      'the SRV records are served',
    );
    assert.deepEqual(await resolveEdgeAddresses('_warren._tcp.example.com', resolver), [
      { host: 'edge-a.example.com', port: 7001 },
      { host: 'edge-b.example.com', port: 7002 },
      { host: 'edge-c.example.com', port: 7003 },
    ]);
  });

  test('--edge A --edge C spreads the 4 links over two processes, and they re-link to A when C is killed', async () => {
    const a = edge(0).serve;
    const c = edge(2).serve;
    const created = await api<{ id: string }>(a.apiBase, 'POST', `/accounts/${accountId}/cfd_tunnel`, {
      name: 'spread',
    });
    const tunnelId = created.json.result.id;
    const token = (await api<string>(a.apiBase, 'GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).json
      .result;
    const colos = async (): Promise<string[]> => {
      const r = await api<{ conns: { colo_name: string }[] }[]>(
        a.apiBase,
        'GET',
        `/accounts/${accountId}/cfd_tunnel/${tunnelId}/connections`,
      );
      return r.json.result.flatMap((x) => x.conns.map((k) => k.colo_name)).sort();
    };
    let connector: Proc | undefined;
    try {
      connector = startCli([
        'tunnel',
        'run',
        '--token',
        token,
        '--edge',
        `127.0.0.1:${a.tunnelPort}`,
        '--edge',
        `127.0.0.1:${c.tunnelPort}`,
        '--edge-ca',
        a.caPath,
        '--url',
        'http://127.0.0.1:9',
        '--loglevel',
        'warn',
      ]);
      await eventually(
        async () => JSON.stringify(await colos()) === JSON.stringify(['edge-a', 'edge-a', 'edge-c', 'edge-c']),
        15_000,
        'two links on each edge',
      );
      await c.stop('SIGKILL');
      // C's rows stay until its heartbeats expire (another item of issue 23); A's own links are what count.
      await eventually(
        async () => (await colos()).filter((n) => n === 'edge-a').length === 4,
        15_000,
        'all four links on A',
      );
    } finally {
      await connector?.stop();
    }
  });
});
