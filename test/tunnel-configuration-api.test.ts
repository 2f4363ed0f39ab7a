import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PERMISSION_GROUPS, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { ADMIN_EMAIL, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { AuditResult, TunnelResult } from './support/control-types.js';

interface ConfigurationResult {
  account_id: string;
  tunnel_id: string;
  version: number;
  config: { ingress: { hostname?: string; service: string }[] } | null;
  source: string;
  created_at: string | null;
}

const group = (name: string) => {
  const g = PERMISSION_GROUPS.find((x) => x.name === name);
  assert.ok(g, name);
  return { id: g.id, name: g.name };
};

const GOOD = {
  ingress: [
    { hostname: 'app.example.com', path: '^/api/', service: 'http://127.0.0.1:3001' },
    { hostname: 'app.example.com', service: 'http://127.0.0.1:3000', originRequest: { connectTimeout: 5 } },
    { service: 'http_status:404' },
  ],
  originRequest: { keepAliveConnections: 10, http2Origin: true },
  'warp-routing': { enabled: false },
};

for (const dialect of DIALECTS) {
  describe(`tunnel configurations API on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let tunnel: TunnelResult;
    let path: string;
    let tokenB: string;
    let readOnly: string;

    before(async () => {
      h = await startControl(dialect);
      tunnel = (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'remote' })).json
        .result;
      path = `/accounts/${h.accountId}/cfd_tunnel/${tunnel.id}/configurations`;
      // Tenant B: its own user, account and token.
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      const acctB = await h.store.identity.createAccount('tenant-b');
      await h.store.identity.addMember(acctB.id, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      // The admin's token narrowed to reading tunnels.
      const admin = await h.store.identity.findUserByEmail(ADMIN_EMAIL);
      assert.ok(admin);
      readOnly = (
        await h.store.identity.createToken({
          userId: admin.id,
          name: 'tunnel-read',
          policies: [
            {
              id: 'p1',
              effect: 'allow',
              resources: { [`com.cloudflare.api.account.${h.accountId}`]: '*' },
              permission_groups: [group('Cloudflare Tunnel Read')],
            },
          ],
        })
      ).value;
    });
    after(async () => {
      await h?.close();
    });

    test('a tunnel never configured answers version 0 and config null', async () => {
      const r = await h.call<ConfigurationResult>('GET', path);
      assert.equal(r.status, 200);
      assert.deepEqual(
        { ...r.json.result },
        {
          account_id: h.accountId,
          tunnel_id: tunnel.id,
          version: 0,
          config: null,
          source: 'local',
          created_at: null,
          warren_connectors: [],
        },
      );
    });

    test('each PUT stores the next version, marks the tunnel remotely managed and writes an audit entry', async () => {
      const v1 = await h.call<ConfigurationResult>('PUT', path, { config: GOOD });
      assert.equal(v1.status, 200, JSON.stringify(v1.json.errors));
      assert.equal(v1.json.result.version, 1);
      assert.equal(v1.json.result.source, 'cloudflare');
      assert.deepEqual(v1.json.result.config, GOOD);
      assert.ok(v1.json.result.created_at);
      const v2 = await h.call<ConfigurationResult>('PUT', path, { config: GOOD });
      assert.equal(v2.json.result.version, 2);
      assert.equal((await h.call<ConfigurationResult>('GET', path)).json.result.version, 2);
      const t = await h.call<TunnelResult & { remote_config: boolean; config_src: string }>(
        'GET',
        `/accounts/${h.accountId}/cfd_tunnel/${tunnel.id}`,
      );
      assert.equal(t.json.result.remote_config, true);
      assert.equal(t.json.result.config_src, 'cloudflare');
      const audit = await h.call<AuditResult[]>(
        'GET',
        `/accounts/${h.accountId}/audit_logs?action.type=tunnel_configuration_update`,
      );
      const versions = audit.json.result.map((e) => e.metadata.version).sort();
      assert.deepEqual(versions, [1, 2]);
      assert.equal(audit.json.result[0]?.resource?.id, tunnel.id);
    });

    test('concurrent PUTs each get their own version', async () => {
      const before = (await h.call<ConfigurationResult>('GET', path)).json.result.version;
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => h.call<ConfigurationResult>('PUT', path, { config: GOOD })),
      );
      const versions = answers.map((a) => a.json.result.version).sort((x, y) => x - y);
      assert.deepEqual(
        versions,
        [1, 2, 3, 4, 5].map((i) => before + i),
      );
    });

    test('an invalid configuration is refused naming the rule and the field, and changes nothing', async () => {
      const version = (await h.call<ConfigurationResult>('GET', path)).json.result.version;
      const cases: [unknown, RegExp][] = [
        [
          { ingress: [{ hostname: 'a.example.com', service: 'http://127.0.0.1:1' }] },
          /ingress rule #1: .*the last rule must match every request/,
        ],
        [
          { ingress: [{ service: 'http://127.0.0.1:1' }, { service: 'http_status:404' }] },
          /ingress rule #1: matches every request .* so the rule after it would never be used/,
        ],
        [
          { ingress: [{ hostname: 'a.example.com', service: 'gopher://x' }, { service: 'http_status:404' }] },
          /ingress rule #1: service "gopher:\/\/x" has the unknown scheme/,
        ],
        [
          { ingress: [{ service: 'http_status:404', originRequest: { connectTimeot: 5 } }] },
          /ingress rule #1: originRequest\.connectTimeot: unknown key; did you mean "connectTimeout"/,
        ],
        [
          { ingress: [{ service: 'http_status:404', originRequest: { noTLSVerify: 'maybe' } }] },
          /ingress rule #1: originRequest\.noTLSVerify: is "maybe", not true or false/,
        ],
        [
          { ingress: [{ hostname: 'a.example.com', servce: 'http://x' }, { service: 'http_status:404' }] },
          /ingress rule #1: servce: unknown key; did you mean "service"/,
        ],
        [{ ingress: [{ service: 'http_status:404' }], url: 'http://x' }, /url: unknown key/],
        [{ originRequest: {} }, /has no ingress list/],
        [{ ingress: [] }, /there are no ingress rules/],
      ];
      for (const [config, message] of cases) {
        const r = await h.call('PUT', path, { config });
        assert.equal(r.status, 400, JSON.stringify(config));
        assert.equal(r.json.success, false);
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_API_INVALID');
        assert.equal(r.json.errors[0]?.code, 1001);
        assert.match(r.json.errors[0]?.message ?? '', message);
      }
      for (const body of [{}, { config: [] }, { config: GOOD, extra: 1 }]) {
        const r = await h.call('PUT', path, body);
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      assert.equal((await h.call<ConfigurationResult>('GET', path)).json.result.version, version);
    });

    test('every invalid field is answered at once, one error each with its pointer, and nothing is written', async () => {
      const version = (await h.call<ConfigurationResult>('GET', path)).json.result.version;
      const config = {
        originRequest: { tlsTimeout: 'soon' },
        ingress: [
          { hostname: 'a.example.com:8443', service: 'gopher://x' },
          { hostname: 'b.example.com', path: '(', service: 'http://127.0.0.1:1', originRequest: { connectTimeot: 5 } },
          { hostname: 'c.example.com', service: 'http_status:404' },
        ],
      };
      const r = await h.call('PUT', path, { config });
      assert.equal(r.status, 400);
      assert.equal(r.json.success, false);
      const errors = r.json.errors as {
        code: number;
        message: string;
        warren_code: string;
        source?: { pointer: string };
      }[];
      assert.deepEqual(
        errors.map((e) => e.source?.pointer),
        [
          '/config/originRequest/tlsTimeout',
          '/config/ingress/0/service',
          '/config/ingress/0/hostname',
          '/config/ingress/1/originRequest/connectTimeot',
          '/config/ingress/1/path',
          '/config/ingress/2',
        ],
        JSON.stringify(errors, null, 1),
      );
      for (const e of errors) {
        assert.equal(e.code, 1001);
        assert.equal(e.warren_code, 'WARREN_API_INVALID');
        // What, why and what to do: each message names its place and ends with a fix.
        assert.match(e.message, /^config: .+; .+/);
      }
      assert.match(errors[1]?.message ?? '', /ingress rule #1: service "gopher:\/\/x" has the unknown scheme/);
      assert.match(
        errors[2]?.message ?? '',
        /ingress rule #1: hostname "a\.example\.com:8443" has a port; remove the port/,
      );
      assert.match(
        errors[3]?.message ?? '',
        /ingress rule #2: originRequest\.connectTimeot: unknown key; did you mean "connectTimeout"/,
      );
      assert.match(errors[5]?.message ?? '', /ingress rule #3: is the last rule/);
      assert.equal((await h.call<ConfigurationResult>('GET', path)).json.result.version, version);
      // A rule whose service is not even a string is said once, not again as "has no service".
      const once = await h.call('PUT', path, { config: { ingress: [{ service: { url: 'x' } }] } });
      assert.deepEqual(
        (once.json.errors as { source?: { pointer: string } }[]).map((e) => e.source?.pointer),
        ['/config/ingress/0/service'],
      );
    });

    test('a configuration too large to push to connectors is refused', async () => {
      const rules = Array.from({ length: 12_000 }, (_, i) => ({
        hostname: `host-${i}.example.com`,
        service: `http://127.0.0.1:${1000 + (i % 60000)}`,
      }));
      const r = await h.call('PUT', path, { config: { ingress: [...rules, { service: 'http_status:404' }] } });
      assert.equal(r.status, 400);
      assert.match(r.json.errors[0]?.message ?? '', /over the \d+-byte limit/);
    });

    test("another account's token can neither read nor change the configuration", async () => {
      const version = (await h.call<ConfigurationResult>('GET', path)).json.result.version;
      const get = await h.call('GET', path, undefined, tokenB);
      assert.ok(get.status === 403 || get.status === 404, String(get.status));
      const put = await h.call('PUT', path, { config: GOOD }, tokenB);
      assert.ok(put.status === 403 || put.status === 404, String(put.status));
      assert.equal((await h.call<ConfigurationResult>('GET', path)).json.result.version, version);
    });

    test('a token that may only read tunnels reads the configuration but cannot change it', async () => {
      const version = (await h.call<ConfigurationResult>('GET', path)).json.result.version;
      const get = await h.call<ConfigurationResult>('GET', path, undefined, readOnly);
      assert.equal(get.status, 200);
      assert.equal(get.json.result.version, version);
      const put = await h.call('PUT', path, { config: GOOD }, readOnly);
      assert.equal(put.status, 403);
      assert.equal((await h.call<ConfigurationResult>('GET', path)).json.result.version, version);
    });

    test('a deleted tunnel cannot be configured', async () => {
      const t = (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'gone' })).json
        .result;
      await h.call('DELETE', `/accounts/${h.accountId}/cfd_tunnel/${t.id}`);
      const r = await h.call('PUT', `/accounts/${h.accountId}/cfd_tunnel/${t.id}/configurations`, { config: GOOD });
      assert.equal(r.status, 404);
      assert.equal(r.json.errors[0]?.warren_code, 'WARREN_TUNNEL_NOT_FOUND', JSON.stringify(r.json));
      assert.match(r.json.errors[0]?.message ?? '', /deleted/);
    });
  });
}
