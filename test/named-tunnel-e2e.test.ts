import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import type { AuditResult, RecordResult, TunnelResult, ZoneResult } from './support/control-types.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe } from './support/warren-processes.js';

const MAX_TUNNELS = 1;

/** `warren tunnel run --token T --url U` against `serve` (flags and their env twins, so either parse works). */
function runTunnel(serve: ServeHandle, token: string, url: string): Proc {
  return startCli(
    [
      'tunnel',
      'run',
      '--token',
      token,
      '--url',
      url,
      '--edge',
      `127.0.0.1:${serve.tunnelPort}`,
      '--edge-ca',
      serve.caPath,
      '--loglevel',
      'warn',
    ],
    { env: { WARREN_URL: url, WARREN_EDGE: `127.0.0.1:${serve.tunnelPort}`, WARREN_EDGE_CA: serve.caPath } },
  );
}

for (const dialect of DIALECTS) {
  describe(`named tunnel end to end on ${dialect.name}`, { skip: dialect.skip }, () => {
    let serve: ServeHandle;
    let origin: TestOrigin;
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let account: string;
    let zone: ZoneResult;
    let tunnel: TunnelResult;
    let connector: Proc | undefined;
    const procs: Proc[] = [];

    const api = apiClient(() => serve.apiBase);
    const audit = async (type: string): Promise<AuditResult[]> =>
      (await api<AuditResult[]>('GET', `/accounts/${account}/audit_logs?action.type=${type}&per_page=100`)).result;

    before(async () => {
      db = await dialect.fresh();
      origin = await startTestOrigin();
      serve = await startServe({
        dataDir: db.dataDir,
        args: ['--max-tunnels-per-account', String(MAX_TUNNELS)],
        env: {
          WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
          WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
          ...(db.databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: db.databaseUrl }),
        },
      });
      procs.push(serve);
    });
    after(async () => {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      await origin?.close();
      await db?.drop();
    });

    test('bootstrap admin → zone → tunnel → route → tunnel run --token → Host reaches the origin; audit shows it', async () => {
      account = (await api<{ id: string; name: string }[]>('GET', '/accounts')).result[0]?.id as string;
      assert.ok(account);
      zone = (await api<ZoneResult>('POST', '/zones', { account: { id: account }, name: 'example.com' })).result;
      tunnel = (await api<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'web' })).result;
      const routed = await api<{ cname: string; name: string }>(
        'PUT',
        `/zones/${zone.id}/tunnels/${tunnel.id}/routes`,
        {
          type: 'dns',
          user_hostname: 'app.example.com',
        },
      );
      assert.deepEqual(routed.result, {
        cname: 'new',
        name: 'app.example.com',
        // An active full zone: nothing left to set outside warren.
        dns_setup: { zone_status: 'active', zone_type: 'full', instructions: [] },
      });
      // Routed but not connected: the edge knows the host and says the tunnel is down.
      await eventually(
        async () => (await visit(serve.httpPort, 'app.example.com', '/echo')).status === 530,
        5_000,
        '530 before the connector runs',
      );

      const token = (await api<string>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/token`)).result;
      connector = runTunnel(serve, token, origin.url);
      procs.push(connector);
      const res = await eventually(
        async () => {
          const r = await visit(serve.httpPort, 'app.example.com', '/echo');
          return r.status === 200 ? r : undefined;
        },
        10_000,
        'the origin answers through the named tunnel',
      );
      const echoed = JSON.parse(res.text) as { headers: Record<string, string> };
      assert.equal(echoed.headers.host, 'app.example.com');

      const registered = await eventually(
        async () => {
          const e = await audit('Registered');
          return e.length === 4 ? e : undefined;
        },
        10_000,
        'four Registered audit entries',
      );
      for (const e of registered) {
        assert.equal(e.resource.id, tunnel.id);
        assert.equal(typeof e.metadata.connector_id, 'string');
        assert.equal(typeof e.metadata.conn_index, 'number');
        assert.equal(typeof e.metadata.edge, 'string');
        assert.equal(e.metadata.origin_ip, '127.0.0.1');
      }
      assert.deepEqual([...new Set(registered.map((e) => e.metadata.conn_index))].sort(), [0, 1, 2, 3]);
      const cname = (await audit('rec_add')).find(
        (e) => e.metadata.type === 'CNAME' && e.metadata.name === 'app.example.com',
      );
      assert.ok(cname, 'CNAME add is audited');
      assert.equal(cname.metadata.content, `${tunnel.id}.tunnel.warren.localhost`);

      const shown = await eventually(
        async () => {
          const t = (await api<TunnelResult>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}`)).result;
          return t.status === 'healthy' ? t : undefined;
        },
        5_000,
        'status healthy',
      );
      assert.equal(shown.connections.length, 4);
      const connectors = (
        await api<{ id: string; conns: unknown[] }[]>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}/connections`)
      ).result;
      assert.equal(connectors.length, 1);
      assert.equal(connectors[0]?.conns.length, 4);
    });

    test('record changes take effect within a second, without restarts', async () => {
      const records = (await api<RecordResult[]>('GET', `/zones/${zone.id}/dns_records?name=app.example.com`)).result;
      const rec = records[0] as RecordResult;
      await api('PATCH', `/zones/${zone.id}/dns_records/${rec.id}`, { proxied: false });
      await eventually(
        async () => (await visit(serve.httpPort, 'app.example.com', '/echo')).status === 404,
        1_000,
        'unproxied record stops routing within 1 s',
      );
      await api('PATCH', `/zones/${zone.id}/dns_records/${rec.id}`, { proxied: true });
      await eventually(
        async () => (await visit(serve.httpPort, 'app.example.com', '/echo')).status === 200,
        1_000,
        'proxied again within 1 s',
      );
      // A chain inside the account: www → app → tunnel.
      await api('POST', `/zones/${zone.id}/dns_records`, {
        type: 'CNAME',
        name: 'www',
        content: 'app.example.com',
        proxied: true,
      });
      await eventually(
        async () => (await visit(serve.httpPort, 'www.example.com', '/echo')).status === 200,
        1_000,
        'CNAME chain routes within 1 s',
      );
    });

    test('the apex and a foreign zone are refused with clear errors', async () => {
      const apex = await api('PUT', `/zones/${zone.id}/tunnels/${tunnel.id}/routes`, {
        type: 'dns',
        user_hostname: 'example.com',
      });
      assert.equal(apex.errors[0]?.warren_code, 'WARREN_ROUTE_APEX');
      assert.match(apex.errors[0]?.message ?? '', /subdomains only/);
      const foreign = await api('PUT', `/zones/${zone.id}/tunnels/${tunnel.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.example.org',
      });
      assert.equal(foreign.errors[0]?.warren_code, 'WARREN_ROUTE_FOREIGN_ZONE');
    });

    test('the limit+1-th running tunnel is refused; the connector says so plainly and stops', async () => {
      const second = (await api<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 'one-too-many' }))
        .result;
      const token = (await api<string>('GET', `/accounts/${account}/cfd_tunnel/${second.id}/token`)).result;
      const extra = runTunnel(serve, token, origin.url);
      procs.push(extra);
      const code = await extra.exited;
      assert.notEqual(code, 0);
      assert.match(extra.stderr(), /WARREN_TUNNEL_LIMIT/);
      assert.match(extra.stderr(), /max-tunnels-per-account/);
      assert.ok(
        (await audit('Registered')).every((e) => e.resource.id === tunnel.id),
        'the refused tunnel never registered',
      );
      // A deleted tunnel cannot run at all.
      await api('DELETE', `/accounts/${account}/cfd_tunnel/${second.id}`);
      const ghost = runTunnel(serve, token, origin.url);
      procs.push(ghost);
      assert.notEqual(await ghost.exited, 0);
      assert.match(ghost.stderr(), /WARREN_AUTH_FAILED/);
    });

    test('deleting a connected tunnel is refused unless cascade; stopping the connector audits Unregistered', async () => {
      const refused = await api('DELETE', `/accounts/${account}/cfd_tunnel/${tunnel.id}`);
      assert.equal(refused.errors[0]?.warren_code, 'WARREN_TUNNEL_CONNECTED');
      assert.match(refused.errors[0]?.message ?? '', /cascade=true/);
      await connector?.stop('SIGTERM');
      const gone = await eventually(
        async () => {
          const e = await audit('Unregistered');
          return e.length === 4 ? e : undefined;
        },
        10_000,
        'four Unregistered audit entries',
      );
      assert.deepEqual([...new Set(gone.map((e) => e.metadata.conn_index))].sort(), [0, 1, 2, 3]);
      const t = (await api<TunnelResult>('GET', `/accounts/${account}/cfd_tunnel/${tunnel.id}`)).result;
      assert.equal(t.status, 'down');
      assert.equal((await visit(serve.httpPort, 'app.example.com', '/echo')).status, 530);
      const deleted = await api<TunnelResult>('DELETE', `/accounts/${account}/cfd_tunnel/${tunnel.id}`);
      assert.ok(deleted.result.deleted_at);
      await eventually(
        async () => (await visit(serve.httpPort, 'app.example.com', '/echo')).status === 404,
        1_000,
        'a deleted tunnel stops routing',
      );
    });
  });
}
