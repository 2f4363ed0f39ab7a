import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const run = promisify(execFile);

interface Envelope<R> {
  success: boolean;
  result: R;
  errors: { message: string }[];
}

describe('zone settings at the edge (always_use_https, min_tls_version, security_header)', () => {
  let serve: ServeHandle;
  let httpsPort = 0;
  let caPath = '';
  let zoneId = '';

  async function api<R>(method: string, path: string, body?: unknown): Promise<{ status: number } & Envelope<R>> {
    const res = await fetch(`${serve.apiBase}/client/v4${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, ...((await res.json()) as Envelope<R>) };
  }

  /** curl's status line and headers (`-sS -D -`), or its exit code when the transfer failed. */
  async function curl(args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', '--max-time', '10', ...args]);
      return { code: 0, out: stdout };
    } catch (err) {
      return { code: Number((err as { code?: number }).code ?? -1), out: String((err as Error).message) };
    }
  }

  const https = (name: string, extra: string[] = []) =>
    curl([
      '--cacert',
      caPath,
      '--resolve',
      `${name}:${httpsPort}:127.0.0.1`,
      ...extra,
      `https://${name}:${httpsPort}/page`,
    ]);

  before(async () => {
    const dir = tempDir('warren-zone-settings-');
    const m = await loadOrCreateEdgeTls({ dataDir: dir, hostnames: ['*.example.com', '*.other.test'] });
    writeFileSync(join(dir, 'v.crt'), m.certPem);
    writeFileSync(join(dir, 'v.key'), m.keyPem);
    caPath = join(dir, 'ca.pem');
    writeFileSync(caPath, m.caPem);
    serve = await startServe({
      args: ['--https-port', '0', '--https-cert', join(dir, 'v.crt'), '--https-key', join(dir, 'v.key')],
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
    const accountId = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
    zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' })).result
      .id;
  });
  after(async () => {
    await serve?.stop();
  });

  test('zone-settings-list-and-get-answer-cloudflare-defaults', async () => {
    const list = await api<{ id: string; value: unknown; editable: boolean }[]>('GET', `/zones/${zoneId}/settings`);
    assert.equal(list.success, true);
    assert.deepEqual(
      list.result.map((s) => [s.id, s.value]),
      [
        ['always_use_https', 'off'],
        ['min_tls_version', '1.0'],
        [
          'security_header',
          {
            strict_transport_security: {
              enabled: false,
              max_age: 0,
              include_subdomains: false,
              preload: false,
              nosniff: false,
            },
          },
        ],
      ],
    );
    const one = await api<{ id: string; value: unknown }>('GET', `/zones/${zoneId}/settings/min_tls_version`);
    assert.deepEqual([one.result.id, one.result.value], ['min_tls_version', '1.0']);
  });

  test('zone-settings-bad-values-get-one-clear-error', async () => {
    const bad = await api('PATCH', `/zones/${zoneId}/settings/always_use_https`, { value: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(bad.errors[0]?.message ?? '', /always_use_https must be "on" or "off"/);
    const tls = await api('PATCH', `/zones/${zoneId}/settings/min_tls_version`, { value: '1.4' });
    assert.equal(tls.status, 400);
    assert.match(tls.errors[0]?.message ?? '', /"1\.0", "1\.1", "1\.2", "1\.3"/);
    const unknown = await api('PATCH', `/zones/${zoneId}/settings/rocket_loader`, { value: 'on' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.errors[0]?.message ?? '', /rocket_loader .*always_use_https/);
  });

  test('zone-settings-always-use-https-redirects-plain-http-301-and-308-for-non-get', async () => {
    const before = await curl(['-H', 'host: app.example.com', `${serve.visitorBase}/a/b?c=1`]);
    assert.doesNotMatch(before.out, /^HTTP\/1\.1 30[18]/);
    const r = await api<{ value: string }>('PATCH', `/zones/${zoneId}/settings/always_use_https`, { value: 'on' });
    assert.equal(r.result.value, 'on');
    const get = await eventually(async () => {
      const c = await curl(['-H', 'host: app.example.com', `${serve.visitorBase}/a/b?c=1`]);
      return /^HTTP\/1\.1 301/.test(c.out) ? c.out : undefined;
    });
    assert.match(get, new RegExp(`\\r\\nlocation: https://app\\.example\\.com:${httpsPort}/a/b\\?c=1\\r\\n`, 'i'));
    const post = await curl(['-X', 'POST', '-d', 'x=1', '-H', 'host: app.example.com', `${serve.visitorBase}/form`]);
    assert.match(post.out, /^HTTP\/1\.1 308/);
    assert.match(post.out, new RegExp(`location: https://app\\.example\\.com:${httpsPort}/form`, 'i'));
    // Another zone's name is not redirected.
    const other = await curl(['-H', 'host: www.other.test', `${serve.visitorBase}/`]);
    assert.doesNotMatch(other.out, /^HTTP\/1\.1 30[18]/);
  });

  test('zone-settings-min-tls-version-is-enforced-per-sni', async () => {
    assert.equal((await https('app.example.com', ['--tls-max', '1.2'])).code, 0);
    await api('PATCH', `/zones/${zoneId}/settings/min_tls_version`, { value: '1.3' });
    const refused = await eventually(async () => {
      const c = await https('app.example.com', ['--tls-max', '1.2']);
      return c.code !== 0 ? c : undefined;
    });
    assert.notEqual(refused.code, 0, 'TLS 1.2 to a zone with min 1.3 is refused');
    assert.equal((await https('app.example.com', ['--tlsv1.3'])).code, 0, 'TLS 1.3 is served');
    assert.equal((await https('www.other.test', ['--tls-max', '1.2'])).code, 0, 'other names keep TLS 1.2');
    await api('PATCH', `/zones/${zoneId}/settings/min_tls_version`, { value: '1.2' });
    await eventually(async () => (await https('app.example.com', ['--tls-max', '1.2'])).code === 0);
  });

  test('zone-settings-security-header-sends-hsts-over-https-only-for-the-zone', async () => {
    const r = await api<{ value: { strict_transport_security: Record<string, unknown> } }>(
      'PATCH',
      `/zones/${zoneId}/settings/security_header`,
      {
        value: {
          strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, nosniff: true },
        },
      },
    );
    assert.equal(r.success, true);
    assert.equal(r.result.value.strict_transport_security.preload, false);
    const served = await eventually(async () => {
      const c = await https('app.example.com');
      return /strict-transport-security/i.test(c.out) ? c.out : undefined;
    });
    assert.match(served, /\r\nstrict-transport-security: max-age=31536000; includeSubDomains\r\n/i);
    assert.match(served, /\r\nx-content-type-options: nosniff\r\n/i);
    assert.doesNotMatch((await https('www.other.test')).out, /strict-transport-security/i);
    const audit = await api<{ action: { type: string } }[]>(
      'GET',
      `/accounts/${await accountOf()}/audit_logs?per_page=50`,
    );
    assert.ok(audit.result.some((e) => e.action.type === 'zone_setting_update'));
  });

  async function accountOf(): Promise<string> {
    return (await api<{ account: { id: string } }>('GET', `/zones/${zoneId}`)).result.account.id;
  }
});
