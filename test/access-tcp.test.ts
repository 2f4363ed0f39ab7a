import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { type Sshd, startSshd } from './support/sshd.js';
import { visit } from './support/visit.js';
import { CLI, type Proc, startCli, tempDir } from './support/warren-processes.js';

const SSH_HOST = 'app.example.com';
const DB_HOST = 'db.example.com';
const PG_URL = process.env.WARREN_TEST_DATABASE_URL;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed after `timeoutMs`), stdin from `input` (a file) or nothing. */
function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}) {
  return new Promise<Ran>((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.stdin.on('error', () => undefined);
    if (o.input !== undefined) createReadStream(o.input).pipe(child.stdin);
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file of `mib` MiB of random bytes. */
function randomFile(path: string, mib: number): string {
  const fd = openSync(path, 'w');
  for (let i = 0; i < mib; i++) writeSync(fd, randomBytes(1024 * 1024));
  closeSync(fd);
  return path;
}

describe('raw TCP through the tunnel behind Access: real sshd and PostgreSQL', { timeout: 480_000 }, () => {
  let f: NamedTunnelFixture;
  let sshd: Sshd;
  let connector: Proc;
  let port: number;
  let metricsPort: number;
  let allowed: { id: string; client_id: string; client_secret: string };
  let denied: { id: string; client_id: string; client_secret: string };
  let work: string;

  before(async () => {
    work = tempDir('warren-tcp-');
    sshd = await startSshd();
    f = await startNamedTunnelFixture();
    port = f.serve.httpPort;
    await f.api('PUT', `/zones/${f.zoneId}/tunnels/${f.tunnelId}/routes`, { type: 'dns', user_hostname: DB_HOST });
    const acc = `/accounts/${f.accountId}/access`;
    await f.api('POST', `${acc}/organizations`, { name: 'Team', auth_domain: 'tcp.access.warren.localhost' });
    allowed = (await f.api<typeof allowed>('POST', `${acc}/service_tokens`, { name: 'ops' })).result;
    denied = (await f.api<typeof denied>('POST', `${acc}/service_tokens`, { name: 'intern' })).result;
    for (const domain of [SSH_HOST, DB_HOST]) {
      const app = await f.api<{ id: string }>('POST', `${acc}/apps`, { name: domain, domain, type: 'self_hosted' });
      assert.ok(app.success, JSON.stringify(app));
      await f.api('POST', `${acc}/apps/${app.result.id}/policies`, {
        name: 'ops',
        decision: 'non_identity',
        include: [{ service_token: { token_id: allowed.id } }],
      });
    }
    const pg = PG_URL === undefined ? undefined : new URL(PG_URL);
    const config = join(work, 'config.yml');
    writeFileSync(
      config,
      `ingress:\n  - hostname: ${SSH_HOST}\n    service: ssh://127.0.0.1:${sshd.port}\n` +
        (pg === undefined ? '' : `  - hostname: ${DB_HOST}\n    service: tcp://${pg.hostname}:${pg.port || 5432}\n`) +
        '  - service: http_status:404\n',
    );
    metricsPort = await freePort();
    connector = f.run(['--token', f.token, '--config', config, '--metrics', `127.0.0.1:${metricsPort}`]);
    await untilConnectors(f, 1);
    await eventually(async () => (await visit(port, SSH_HOST, '/')).status === 302, 10_000, 'app protected');
  });
  after(async () => {
    await connector?.stop();
    await f?.serve.stop();
    await sshd?.stop();
  });

  const tokenEnv = (t: { client_id: string; client_secret: string }) => ({
    TUNNEL_SERVICE_TOKEN_ID: t.client_id,
    TUNNEL_SERVICE_TOKEN_SECRET: t.client_secret,
  });
  const sshArgs = () => [
    '-F',
    '/dev/null',
    '-i',
    sshd.userKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    `ProxyCommand=${process.execPath} ${CLI} access ssh --hostname %h --edge http://127.0.0.1:${port}`,
  ];

  test('ssh through `warren access ssh` as ProxyCommand runs a command on the real sshd', async () => {
    const r = await run('ssh', [...sshArgs(), `root@${SSH_HOST}`, 'echo hello-from-sshd'], { env: tokenEnv(allowed) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'hello-from-sshd');
  });

  test('scp of 256 MiB arrives with the same sha256', async (t) => {
    const src = randomFile(join(work, 'big.bin'), 256);
    const dest = join(work, 'big.copy');
    const started = Date.now();
    const r = await run('scp', [...sshArgs(), src, `root@${SSH_HOST}:${dest}`], {
      env: tokenEnv(allowed),
      timeoutMs: 300_000,
    });
    const ms = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    t.diagnostic(`256 MiB scp through warren took ${ms} ms (${((256 * 1000) / ms).toFixed(1)} MiB/s)`);
    assert.equal(await sha256(dest), await sha256(src));
    rmSync(dest);
    rmSync(src);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const toOrigin = Number(/warren_tunnel_tcp_bytes_total\{direction="to_origin"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(toOrigin > 64 * 1024 * 1024, `to_origin bytes ${toOrigin}`);
    assert.match(metrics, /warren_tunnel_tcp_sessions_total [1-9]/);
    // The edge counts switched visitor connections and their bytes once they close.
    await eventually(
      async () => {
        const edge = await (await fetch(`${f.serve.apiBase}/metrics`)).text();
        const up = Number(/warren_edge_upgraded_bytes_total\{direction="from_visitor"\} (\d+)/.exec(edge)?.[1]);
        return up > 64 * 1024 * 1024 && /warren_edge_upgraded_sessions_total [1-9]/.test(edge);
      },
      10_000,
      'edge metrics count the session',
    );
  });

  test("half-close: `ssh host 'cat > f' < file` completes with the whole file", async () => {
    const src = randomFile(join(work, 'half.bin'), 2);
    const dest = join(work, 'half.copy');
    const r = await run('ssh', [...sshArgs(), `root@${SSH_HOST}`, `cat > ${dest}`], {
      env: tokenEnv(allowed),
      input: src,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha256(dest), await sha256(src));
  });

  test('a denied service token: `warren access ssh` exits non-zero with one clear line; sshd sees nothing', async () => {
    const before = (sshd.log().match(/Connection from/g) ?? []).length;
    const r = await run(
      process.execPath,
      [CLI, 'access', 'ssh', '--hostname', SSH_HOST, '--edge', `http://127.0.0.1:${port}`],
      { env: tokenEnv(denied) },
    );
    assert.notEqual(r.code, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] as string,
      /^warren: app\.example\.com refused the TCP session: Access denied this service token .*\[WARREN_ACCESS_TCP_REFUSED\]$/,
    );
    assert.equal((sshd.log().match(/Connection from/g) ?? []).length, before, sshd.log());
  });

  test('psql through `warren access tcp` answers from the real PostgreSQL', {
    skip: PG_URL === undefined,
  }, async () => {
    const pg = new URL(PG_URL as string);
    const local = await freePort();
    const fwd = startCli(
      ['access', 'tcp', '--hostname', DB_HOST, '--url', `127.0.0.1:${local}`, '--edge', `http://127.0.0.1:${port}`],
      { env: tokenEnv(allowed) },
    );
    try {
      await fwd.waitFor(/listening on/, { from: 'stderr' });
      const url = new URL(pg.href);
      url.hostname = '127.0.0.1';
      url.port = String(local);
      const r = await run('psql', [url.href, '-tAc', 'select 40 + 2']);
      assert.equal(r.code, 0, r.stderr + fwd.stderr());
      assert.equal(r.stdout.trim(), '42');
    } finally {
      await fwd.stop();
    }
  });
});
