import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { FEATURE_CONFIG_PUSH, type Frame, FrameType, parseConfigPush, proveSecret } from '../src/protocol/index.js';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { dialTunnel, type RawLink, register } from './support/raw-tunnel-client.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe, tempDir } from './support/warren-processes.js';

/** A new version must reach visitors within this long of the PUT's answer. */
const PUSH_DEADLINE_MS = 1_000; // 1 second

interface NamedOrigin {
  url: string;
  /** Lets the held /stream response finish. */
  release(): void;
  close(): void;
}

/**
 * An origin that answers its name; /stream sends "first," at once and "last" on `release()`;
 * WebSocket messages come back prefixed with its name.
 */
async function namedOrigin(name: string): Promise<NamedOrigin> {
  let release = (): void => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const server: Server = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first,');
      void released.then(() => res.end('last'));
      return;
    }
    res.end(name);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}:${m.toString()}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release,
    close: () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close();
    },
  };
}

for (const dialect of DIALECTS) {
  // On PostgreSQL two serve processes share the database: the API answers on one, the connector
  // links to the other, which learns of each new version through the change feed.
  const split = dialect.name === 'postgres';
  describe(`remotely-managed tunnel end to end on ${dialect.name}${split ? ' (PUT on one serve, connector on another)' : ''}`, {
    skip: dialect.skip,
  }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let apiServe: ServeHandle;
    let edgeServe: ServeHandle;
    let a: NamedOrigin;
    let b: NamedOrigin;
    let account: string;
    let zone: string;
    const procs: Proc[] = [];
    const home = tempDir('warren-remote-home-');

    const api = apiClient(() => apiServe.apiBase);
    /** A tunnel routed at `hostname`; returns its id and token. */
    const tunnelAt = async (name: string, hostname: string): Promise<{ id: string; token: string }> => {
      const id = (await api<{ id: string }>('POST', `/accounts/${account}/cfd_tunnel`, { name })).result.id;
      const routed = await api('PUT', `/zones/${zone}/tunnels/${id}/routes`, { type: 'dns', user_hostname: hostname });
      assert.ok(routed.success);
      const token = (await api<string>('GET', `/accounts/${account}/cfd_tunnel/${id}/token`)).result;
      return { id, token };
    };
    const putConfig = async (tunnelId: string, ingress: unknown[]): Promise<number> => {
      const r = await api<{ version: number }>('PUT', `/accounts/${account}/cfd_tunnel/${tunnelId}/configurations`, {
        config: { ingress },
      });
      assert.ok(r.success, JSON.stringify(r));
      return r.result.version;
    };
    /** `warren tunnel run --token T` linked to edgeServe, with an empty home (no ~/.warren/config.yml). */
    const runConnector = (args: string[]): Proc => {
      const p = startCli(
        [
          'tunnel',
          'run',
          '--edge',
          `127.0.0.1:${edgeServe.tunnelPort}`,
          '--edge-ca',
          edgeServe.caPath,
          '--loglevel',
          'info',
          ...args,
        ],
        { env: { HOME: home, WARREN_DATA_DIR: join(home, 'none') } },
      );
      procs.push(p);
      return p;
    };
    const body = async (host: string, path = '/'): Promise<string> =>
      (await visit(edgeServe.httpPort, host, path)).text;

    let remote: { id: string; token: string };
    let first: Proc;

    before(async () => {
      db = await dialect.fresh();
      a = await namedOrigin('A');
      b = await namedOrigin('B');
      const shared = {
        // Both processes open the tunnel secrets sealed by either.
        WARREN_SECRET_KEY: randomBytes(32).toString('base64'),
        ...(db.databaseUrl === undefined ? {} : { WARREN_DATABASE_URL: db.databaseUrl }),
      };
      apiServe = await startServe({
        dataDir: db.dataDir,
        args: ['--edge-name', 'edge-api'],
        env: { ...shared, WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      procs.push(apiServe);
      edgeServe = split ? await startServe({ args: ['--edge-name', 'edge-links'], env: shared }) : apiServe;
      if (split) procs.push(edgeServe);
      account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
      zone = (await api<{ id: string }>('POST', '/zones', { account: { id: account }, name: 'example.com' })).result.id;
      remote = await tunnelAt('remote', 'app.example.com');
    });
    after(async () => {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      a?.close();
      b?.close();
      await db?.drop();
    });

    test('a connector run with only --token serves the configuration PUT through the API', async () => {
      first = runConnector(['--token', remote.token]);
      await first.waitFor(/configuration: remote \(no config file with ingress rules, no --url\)/, { from: 'stderr' });
      await first.waitFor(/registered tunnel connection/, { from: 'stderr' });
      await eventually(async () => (await visit(edgeServe.httpPort, 'app.example.com', '/')).status === 503);
      const version = await putConfig(remote.id, [
        { hostname: 'app.example.com', service: a.url },
        { service: 'http_status:404' },
      ]);
      assert.equal(version, 1);
      await first.waitFor(/configuration: remote version 1/, { from: 'stderr' });
      await eventually(async () => (await body('app.example.com')) === 'A', 5_000, 'app.example.com answers A');
    });

    test('a new version re-routes within a second; a stream and a WebSocket opened before it finish intact', async (t) => {
      // A response in flight on origin A: its first chunk has arrived, its end has not.
      const streamed = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: edgeServe.httpPort, path: '/stream', headers: { host: 'app.example.com' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
              if (text === 'first,') started();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
      let started = (): void => {};
      await new Promise<void>((r) => {
        started = r;
      });
      const ws = new WebSocket(`ws://127.0.0.1:${edgeServe.httpPort}/`, { headers: { host: 'app.example.com' } });
      await once(ws, 'open');
      const reply = (text: string): Promise<string> =>
        new Promise((resolve) => {
          ws.once('message', (m) => resolve(m.toString()));
          ws.send(text);
        });
      assert.equal(await reply('before'), 'A:before');

      const version = await putConfig(remote.id, [
        { hostname: 'app.example.com', service: b.url },
        { service: 'http_status:404' },
      ]);
      const answered = Date.now();
      assert.equal(version, 2);
      await eventually(
        async () => (await body('app.example.com')) === 'B',
        PUSH_DEADLINE_MS,
        'app.example.com answers B within a second of the PUT',
        10,
      );
      t.diagnostic(`new version served ${Date.now() - answered} ms after the PUT answered`);
      await first.waitFor(/configuration: remote version 2/, { from: 'stderr' });

      // What was in flight before the change still goes to A, whole.
      assert.equal(await reply('after'), 'A:after');
      a.release();
      assert.deepEqual(await streamed, { status: 200, text: 'first,last' });
      ws.close();
    });

    test('a connector started later gets the current version at registration', async () => {
      const second = runConnector(['--token', remote.token]);
      await second.waitFor(/configuration: remote version 2/, { from: 'stderr', timeoutMs: 10_000 });
      // Only the late connector left: it serves version 2.
      await first.stop('SIGTERM');
      await eventually(async () => (await body('app.example.com')) === 'B', 5_000, 'the late connector answers B');
      assert.doesNotMatch(second.stderr(), /configuration: remote version 1\b/);
      await second.stop('SIGTERM');
    });

    test('an edge pushes only to connectors that list config-push (older ones would drop the link)', async () => {
      const ca = readFileSync(edgeServe.caPath, 'utf8');
      const t = JSON.parse(Buffer.from(remote.token, 'base64').toString('utf8')) as { a: string; t: string; s: string };
      const secret = Buffer.from(t.s, 'base64');
      const linkAs = async (features: string[] | undefined): Promise<{ link: RawLink; frames: Frame[] }> => {
        const link = await dialTunnel(edgeServe.tunnelPort, ca);
        const auth = {
          kind: 'secret' as const,
          accountTag: t.a,
          tunnelId: t.t,
          proof: proveSecret(secret, link.hello.nonce),
        };
        const reg = await register(link, auth, 0, features);
        assert.ok(!('code' in reg), JSON.stringify(reg));
        const frames: Frame[] = [];
        link.conn.onControl = (f) => frames.push(f);
        return { link, frames };
      };
      const old = await linkAs(undefined);
      const current = await linkAs([FEATURE_CONFIG_PUSH]);
      try {
        // (The push at registration may race the raw client's handler swap: the new version below decides.)
        const version = await putConfig(remote.id, [{ service: b.url }]);
        await eventually(
          () =>
            current.frames.some(
              (f) => f.type === FrameType.ConfigPush && parseConfigPush(f.payload).version === version,
            ),
          PUSH_DEADLINE_MS,
          'the new version',
        );
        // Frames on a link are ordered: once the old link's UnregisterAck is in, a push sent before it would be too.
        old.link.conn.sendFrame(FrameType.Unregister, 0);
        await eventually(() => old.frames.some((f) => f.type === FrameType.UnregisterAck), 5_000, 'UnregisterAck');
        assert.deepEqual(
          old.frames.map((f) => f.type),
          [FrameType.UnregisterAck],
        );
        assert.equal(old.link.conn.closed, false);
      } finally {
        old.link.conn.destroy();
        current.link.conn.destroy();
      }
    });

    test('a local --url or config file wins over the remote configuration, and the connector says which it uses', async () => {
      const local = await tunnelAt('local', 'local.example.com');
      await putConfig(local.id, [{ service: b.url }]);
      const byUrl = runConnector(['--token', local.token, '--url', a.url]);
      await byUrl.waitFor(/configuration: http:\/\/127\.0\.0\.1:\d+ \(remote configuration ignored\)/, {
        from: 'stderr',
      });
      await byUrl.waitFor(/the edge sent a remote configuration; ignored, the local one wins/, { from: 'stderr' });
      await eventually(async () => (await body('local.example.com')) === 'A', 5_000, 'local.example.com answers A');
      await putConfig(local.id, [{ service: 'http_status:418' }]);
      // A later version is ignored too: still A.
      assert.equal(await body('local.example.com'), 'A');
      await byUrl.stop('SIGTERM');

      const file = join(tempDir(), 'config.yml');
      writeFileSync(file, `ingress:\n  - service: ${a.url}\n`);
      const byFile = runConnector(['--token', local.token, '--config', file]);
      await byFile.waitFor(/configuration: local file \S+config\.yml \(remote configuration ignored\)/, {
        from: 'stderr',
      });
      await eventually(async () => (await body('local.example.com')) === 'A', 5_000, 'the file rules answer A');
      await byFile.stop('SIGTERM');
    });
  });
}
